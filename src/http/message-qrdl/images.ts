import { z } from "@hono/zod-openapi";
import { findMessageQrdlByCode } from "../../db/message-qrdl";
import { DEFAULT_APPEARANCE, planFitting, renderPlanPng, renderPlanSvg } from "../../qr";
import { notFound } from "../public-edge";
import { newRouter } from "../router";

/**
 * GET /message-qrdl/{QrdlCode}.png|.svg: QrImageUrl, public like the short link it encodes. The
 * image depends only on the deep link, which never changes for a code, so it is cached for a day
 * in browsers and the edge (Cache API) with a strong ETag. Deleting a code drops the cached copies
 * of the location that served the delete; elsewhere they expire within the day.
 */

export const IMAGE_SIZE = 600;
const QUIET_ZONE_MODULES = 4;
const RENDERER_VERSION = 1;
const CACHE_CONTROL = "public, max-age=86400";

export const messageQrdlImagesRouter = newRouter();

messageQrdlImagesRouter.openAPIRegistry.registerPath({
  method: "get",
  path: "/{file}",
  operationId: "getMessageQrCodeImage",
  tags: ["Message QR codes"],
  // Public, like the short link the image encodes.
  security: [],
  summary: "The image of a message QR code (QrImageUrl)",
  description: `A ${IMAGE_SIZE} px PNG or an SVG of the code's DeepLinkUrl, black on white with the four-module quiet zone. Public and cacheable (ETag, Cache-Control: ${CACHE_CONTROL}).`,
  request: {
    params: z.object({
      file: z.string().openapi({ param: { name: "file", in: "path" }, description: "The QrdlCode (8 letters and digits) and `.png` or `.svg`", example: "frnKYa3c.png" }),
    }),
    headers: z.object({ "If-None-Match": z.string().optional().openapi({ description: "The ETag of a copy the client holds: 304 when it is still this image's", example: '"frnKYa3c-png-r1"' }) }),
  },
  responses: {
    200: {
      description: "The image",
      headers: {
        ETag: { description: "Strong: the code, the format and the renderer's version", schema: { type: "string" } },
        "Cache-Control": { description: `\`${CACHE_CONTROL}\`: the image depends only on the code's deep link, which never changes`, schema: { type: "string" } },
        "X-Render-Cache": { description: "`hit` when this location's edge cache answered, `miss` when the image was drawn", schema: { type: "string", enum: ["hit", "miss"] } },
      },
      content: { "image/png": { schema: { type: "string", format: "binary" } }, "image/svg+xml": { schema: { type: "string" } } },
    },
    304: {
      description: "Not modified: If-None-Match named this image's ETag",
      headers: {
        ETag: { description: "The image's ETag", schema: { type: "string" } },
        "Cache-Control": { description: `\`${CACHE_CONTROL}\``, schema: { type: "string" } },
      },
    },
    404: { description: "Unknown or deleted code, or a file name that is not a code and .png or .svg: the not-found page", content: { "text/html": { schema: { type: "string" } } } },
  },
});

messageQrdlImagesRouter.get("/:file", async (c) => {
  const match = /^([0-9A-Za-z]{8})\.(png|svg)$/.exec(c.req.param("file"));
  if (!match) return notFound(c);
  const [, qrdlCode, extension] = match as unknown as [string, string, "png" | "svg"];
  const etag = `"${qrdlCode}-${extension}-r${RENDERER_VERSION}"`;
  const cache = caches.default;
  const cacheKey = new Request(new URL(`/message-qrdl/${qrdlCode}.${extension}`, c.req.url).toString());
  const cached = await cache.match(cacheKey);
  if (cached) {
    if (c.req.header("If-None-Match") === etag) return c.body(null, 304, { ETag: etag, "Cache-Control": CACHE_CONTROL });
    return new Response(cached.body, { headers: { ...Object.fromEntries(cached.headers), "X-Render-Cache": "hit" } });
  }
  const record = await findMessageQrdlByCode(c.env.DB, qrdlCode);
  if (!record) return notFound(c);
  if (c.req.header("If-None-Match") === etag) return c.body(null, 304, { ETag: etag, "Cache-Control": CACHE_CONTROL });
  const plan = planFitting(
    { content: record.deepLinkUrl, appearance: { ...DEFAULT_APPEARANCE, qrOptionsErrorCorrectionLevel: "M" }, size: IMAGE_SIZE, quietZone: QUIET_ZONE_MODULES },
    ["M", "L"],
  );
  const headers = {
    "Content-Type": extension === "png" ? "image/png" : "image/svg+xml",
    "Cache-Control": CACHE_CONTROL,
    ETag: etag,
    "X-Content-Type-Options": "nosniff",
  };
  const body = extension === "png" ? await renderPlanPng(plan) : renderPlanSvg(plan);
  c.executionCtx.waitUntil(cache.put(cacheKey, new Response(body, { headers })).catch(() => undefined));
  return c.body(body as Uint8Array<ArrayBuffer> | string, 200, { ...headers, "X-Render-Cache": "miss" });
});
