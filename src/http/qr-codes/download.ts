import type { Context } from "hono";
import { z } from "zod";
import { dynamicUrl } from "../../codes/representation";
import { findFile } from "../../db/files";
import type { QrCodeRecord } from "../../codes/record";
import type { AppEnv } from "../../env";
import { readFileBytes } from "../../files/logo";
import { contentDisposition } from "../../files/names";
import { Semaphore } from "../../lib/semaphore";
import { ECC_LEVELS, type EccLevel } from "../../qr/encode";
import { QrError } from "../../qr/errors";
import { planFitting } from "../../qr/fit";
import { sniffRasterImage, type CenterImage } from "../../qr/image";
import { renderPlanPng, renderPlanSvg } from "../../qr/render";
import { requirePermission } from "../bearer";
import { issuesFromZod, ValidationError } from "../errors";
import { publicBaseUrl } from "../origin";
import { newRouter } from "../router";
import { violationMessage } from "../validation-messages";
import { builtinLogo, encodedText } from "../../codes/write-checks";
import { readJsonBody } from "./input";
import { DownloadRequestSchema, errorResponses, IdParam } from "./openapi";
import { requireCode } from "./write";
import { sha256Hex } from "../../lib/hex";

/**
 * POST /qr_codes/{id}/download: the code drawn with its full appearance (the contract's plain
 * rendering is a limitation we do not copy). Renders are cached by a hash of everything that
 * shapes the image, so an identical request never renders twice and any edit changes the key.
 */

const DownloadBody = z.object({
  format: z.enum(["png", "svg"]).optional(),
  size: z.number().int().min(10).max(5000).default(300),
  margin: z.number().int().min(0).max(30).default(10),
});
type DownloadOptions = { format: "png" | "svg"; size: number; margin: number };

const MEDIA_TYPES = { png: "image/png", svg: "image/svg+xml" } as const;
/** Bumped when the renderer changes what it draws, so stale cached renders are never served. */
const RENDER_VERSION = 1;
/** Above this a styled PNG takes tens of MB while it renders; one at a time per isolate keeps the peak flat. */
const LARGE_RENDER_PX = 1500;
const largeRenders = new Semaphore(1);

function preferredFormat(accept: string | undefined): "png" | "svg" {
  if (!accept) return "png";
  let best: { format: "png" | "svg"; q: number } = { format: "png", q: -1 };
  for (const range of accept.split(",")) {
    const [type, ...params] = range.trim().toLowerCase().split(";");
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith("q="))?.slice(2) ?? "1");
    const format = type === "image/svg+xml" ? "svg" : type === "image/png" ? "png" : null;
    if (format && q > best.q) best = { format, q };
  }
  return best.q > 0 ? best.format : "png";
}

async function readOptions(c: Context<AppEnv>): Promise<DownloadOptions> {
  const body = await readJsonBody(c, {});
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ValidationError([{ field: "", message: "The request body must be a JSON object" }]);
  const parsed = DownloadBody.safeParse(body, { error: violationMessage });
  if (!parsed.success) throw new ValidationError(issuesFromZod(parsed.error));
  return { ...parsed.data, format: parsed.data.format ?? preferredFormat(c.req.header("Accept")) };
}

async function loadLogo(c: Context<AppEnv>, code: QrCodeRecord): Promise<{ image: CenterImage | null; digest: string | null }> {
  if (code.appearance.uploadedImage === null || code.logoFileId === null) return { image: builtinLogo(code.appearance), digest: null };
  const file = await findFile(c.env.DB, code.orgId, code.logoFileId);
  const bytes = file ? await readFileBytes(c.env, file) : null;
  // The upload was removed after the code was saved: draw the code without it rather than fail.
  if (!file || !bytes) return { image: null, digest: null };
  try {
    return { image: sniffRasterImage(bytes), digest: file.sha256 };
  } catch (err) {
    // Stored before uploads were checked and scaled: too many pixels to decode for a render.
    if (err instanceof QrError) throw new ValidationError([{ field: "appearance.uploadedImage", message: err.message }]);
    throw err;
  }
}


/** Error correction may drop below the design's level to fit small canvases, but never under a logo. */
function levelsFor(chosen: EccLevel, hasLogo: boolean): EccLevel[] {
  return hasLogo ? [chosen] : ECC_LEVELS.slice(0, ECC_LEVELS.indexOf(chosen) + 1).reverse();
}

async function render(text: string, code: QrCodeRecord, options: DownloadOptions, image: CenterImage | null, signal: AbortSignal): Promise<Uint8Array> {
  const appearance = { ...code.appearance, margin: options.margin };
  let plan;
  try {
    plan = planFitting({ content: text, appearance, size: options.size, image }, levelsFor(appearance.qrOptionsErrorCorrectionLevel, image !== null));
  } catch (err) {
    if (err instanceof QrError && err.code === "CANVAS_TOO_SMALL")
      throw new ValidationError([
        {
          field: "size",
          message:
            err.minimumSize === undefined
              ? `${err.message}; this code cannot be drawn readably even at 5000 px with a ${options.margin} px margin`
              : `${err.message}; the smallest size that works for this code is ${err.minimumSize} px`,
        },
      ]);
    if (err instanceof QrError) throw new ValidationError([{ field: err.field === "size" || !err.field ? "size" : `appearance.${err.field}`, message: err.message }]);
    throw err;
  }
  if (options.format === "svg") return new TextEncoder().encode(renderPlanSvg(plan));
  // A client that left stops the render at its next strip, and a large render queued behind
  // another never starts for nobody (renderError answers 499, not a counted crash).
  if (options.size < LARGE_RENDER_PX) return renderPlanPng(plan, { signal });
  return largeRenders.run(() => {
    signal.throwIfAborted();
    return renderPlanPng(plan, { signal });
  });
}

const cacheRequest = (key: string) => new Request(`https://render-cache.edge-qr.internal/${key}`);

/** Filename from the code's name: an ASCII slug in `filename`, the exact name in `filename*`. */
function attachment(name: string, extension: string): string {
  const slug =
    name
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 80)
      .replace(/-+$/, "") || "qr-code";
  // Cut by code points, never inside a surrogate pair: a lone half makes encodeURIComponent throw.
  const exact = Array.from(name.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069/\\]/g, "").trim()).slice(0, 150).join("").toWellFormed() || "qr-code";
  return contentDisposition("attachment", `${exact}.${extension}`, `${slug}.${extension}`);
}

export async function download(c: Context<AppEnv>, id: string, options: DownloadOptions): Promise<Response> {
  const code = await requireCode(c, id);
  const text = encodedText(code.type, code.content, dynamicUrl(code, publicBaseUrl(c)));
  const logo = await loadLogo(c, code);
  // The organization is part of every cache key: a hit must never tell one tenant that another
  // already drew the same payload (a guessed wifi password confirmed by a hit).
  const fingerprint = JSON.stringify({ v: RENDER_VERSION, org: code.orgId, text, appearance: code.appearance, logo: logo.digest, ...options });
  const key = `${await sha256Hex(fingerprint)}.${options.format}`;
  const etag = `"${key.slice(0, 32)}"`;
  const headers = {
    "Content-Type": MEDIA_TYPES[options.format],
    "Content-Disposition": attachment(code.name, options.format),
    ETag: etag,
    // Bearer-authenticated: shared caches must not keep it; clients revalidate with the ETag.
    "Cache-Control": "private, no-cache",
    "X-Content-Type-Options": "nosniff",
  };
  const ifNoneMatch = c.req.header("If-None-Match");
  if (ifNoneMatch && ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag)) return c.body(null, 304, headers);

  const cached = await cacheLayer("cache_api", () => caches.default.match(cacheRequest(key)));
  if (cached?.body) return c.body(cached.body, 200, { ...headers, "X-Render-Cache": "hit" });
  const stored = await cacheLayer("r2", async () => {
    const object = await c.env.FILES.get(`renders/${key}`);
    return object ? new Uint8Array(await object.arrayBuffer()) : undefined;
  });
  let bytes: Uint8Array;
  let source: "hit" | "miss";
  if (stored) {
    bytes = stored;
    source = "hit";
  } else {
    bytes = await render(text, code, options, logo.image, c.req.raw.signal);
    source = "miss";
    c.executionCtx.waitUntil(c.env.FILES.put(`renders/${key}`, bytes, { httpMetadata: { contentType: MEDIA_TYPES[options.format] } }).catch(() => undefined));
  }
  // The Cache API is per data centre and free; R2 behind it is shared by every location.
  c.executionCtx.waitUntil(
    caches.default.put(cacheRequest(key), new Response(bytes, { headers: { "Content-Type": MEDIA_TYPES[options.format], "Cache-Control": "public, max-age=604800" } })).catch(() => undefined),
  );
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { ...headers, "X-Render-Cache": source });
}

/** A cache that fails is a miss: the image is drawn instead, and the failure logged. */
async function cacheLayer<T>(layer: "cache_api" | "r2", read: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    console.error(JSON.stringify({ level: "warn", event: "render_cache_failed", layer, error: err instanceof Error ? err.message : String(err) }));
    return undefined;
  }
}

export const downloadRouter = newRouter();
const read = requirePermission("qr:ReadQrCode", "read");

downloadRouter.openAPIRegistry.registerPath({
  method: "post",
  path: "/qr_codes/{id}/download",
  tags: ["QR codes"],
  security: [{ bearerKey: [] }],
  summary: "Download the QR code as PNG or SVG, fully styled",
  description:
    "The image applies the full appearance; `margin` overrides appearance.margin. Without `format` the Accept header chooses (image/svg+xml or image/png). A size too small for the code's modules (under 2 px each) is a 400 that names the smallest size that works. Identical requests are served from a cache; send If-None-Match with the ETag to get 304.",
  request: { params: IdParam, body: { required: false, content: { "application/json": { schema: DownloadRequestSchema } } } },
  responses: {
    200: {
      description: "The image, as an attachment named after the code",
      content: { "image/png": { schema: { type: "string", format: "binary" } }, "image/svg+xml": { schema: { type: "string" } } },
    },
    304: { description: "Not modified (If-None-Match matched)" },
    ...errorResponses,
  },
});
downloadRouter.post("/qr_codes/:id/download", read, async (c) => download(c, c.req.param("id"), await readOptions(c)));

downloadRouter.openAPIRegistry.registerPath({
  method: "get",
  path: "/qr_codes/{id}/download",
  tags: ["QR codes"],
  security: [{ bearerKey: [] }],
  summary: "Download the QR code (query-string form of the POST, for conditional GETs)",
  request: { params: IdParam },
  parameters: [
    { name: "format", in: "query", schema: { type: "string", enum: ["png", "svg"] } },
    { name: "size", in: "query", schema: { type: "integer", minimum: 10, maximum: 5000, default: 300 } },
    { name: "margin", in: "query", schema: { type: "integer", minimum: 0, maximum: 30, default: 10 } },
  ],
  responses: { 200: { description: "The image" }, 304: { description: "Not modified" }, ...errorResponses },
});
downloadRouter.get("/qr_codes/:id/download", read, async (c) => {
  const query = c.req.query();
  const numberOrText = (value: string | undefined) => (value === undefined ? undefined : /^-?\d+$/.test(value) ? Number(value) : value);
  const parsed = DownloadBody.safeParse({ format: query.format, size: numberOrText(query.size), margin: numberOrText(query.margin) }, { error: violationMessage });
  if (!parsed.success) throw new ValidationError(issuesFromZod(parsed.error));
  return download(c, c.req.param("id"), { ...parsed.data, format: parsed.data.format ?? preferredFormat(c.req.header("Accept")) });
});

