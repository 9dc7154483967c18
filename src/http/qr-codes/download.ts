import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { dynamicUrl } from "../../codes/representation";
import { loadCodeLogo, renderCodeImage } from "../../codes/code-image";
import type { AppEnv } from "../../env";
import { contentDisposition } from "../../files/names";
import { MAX_CANVAS, MIN_CANVAS, scannabilityHeader } from "../../qr";
import { requirePermission } from "../bearer";
import { publicBaseUrl } from "../origin";
import { problemResponse } from "../problem";
import { newRouter } from "../router";
import { withViolationMessages } from "../validation-messages";
import { encodedText } from "../../codes/write-checks";
import { jsonBody, notAnObject } from "./input";
import { bodyErrors, commonErrors, documentedQueryFirst, IdParam, IF_NONE_MATCH, notFoundOrInvalid } from "./openapi";
import { integerParam, queryParam } from "./query";
import { requireCode } from "./write";
import { sha256Hex } from "../../lib/hex";

/**
 * POST /qr_codes/{id}/download: the code drawn with its full appearance (the contract's plain
 * rendering is a limitation we do not copy). Renders are cached by a hash of everything that
 * shapes the image, so an identical request never renders twice and any edit changes the key.
 */

const DEFAULT_SIZE = 300;
const DEFAULT_MARGIN = 10;
const MAX_MARGIN = 30;

/** The options of a download, as the POST body sends them and the GET query repeats them. */
const DOWNLOAD_FIELDS = {
  format: z.enum(["png", "svg"]).describe("Defaults to png, or to the type the Accept header prefers (image/svg+xml or image/png)"),
  size: z.number().int().min(MIN_CANVAS).max(MAX_CANVAS).describe(`Pixels, square. Defaults to \`${DEFAULT_SIZE}\`.`),
  margin: z.number().int().min(0).max(MAX_MARGIN).describe(`Pixels; overrides appearance.margin. Defaults to \`${DEFAULT_MARGIN}\`.`),
};

/**
 * Every option optional, its default filled in by optionsOf: the format's depends on the request's
 * Accept header, which no schema sees.
 */
const DownloadBody = withViolationMessages(
  z
    .object(
      { format: DOWNLOAD_FIELDS.format.optional(), size: DOWNLOAD_FIELDS.size.optional(), margin: DOWNLOAD_FIELDS.margin.optional() },
      { error: notAnObject },
    )
    .openapi("QrCodeDownloadRequest"),
);
type DownloadRequest = z.output<typeof DownloadBody>;

/** The same options in the query string: numbers arrive as digits, anything else is refused as not a number. */
const DownloadQuery = withViolationMessages(
  z.object({
    format: queryParam(DOWNLOAD_FIELDS.format.optional()),
    size: integerParam(DOWNLOAD_FIELDS.size.optional()),
    margin: integerParam(DOWNLOAD_FIELDS.margin.optional()),
  }),
);

type DownloadOptions = { format: "png" | "svg"; size: number; margin: number };

function optionsOf(c: Context<AppEnv>, request: DownloadRequest): DownloadOptions {
  return { format: request.format ?? preferredFormat(c.req.header("Accept")), size: request.size ?? DEFAULT_SIZE, margin: request.margin ?? DEFAULT_MARGIN };
}

const MEDIA_TYPES = { png: "image/png", svg: "image/svg+xml" } as const;
/** Bumped when the renderer changes what it draws, so stale cached renders are never served. */
const RENDER_VERSION = 2;
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
  const logo = await loadCodeLogo(c.env, code);
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
    "X-Scannability": scannabilityHeader(code.appearance),
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
    bytes = await renderCodeImage(text, code, options, logo.image, c.req.raw.signal);
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

const header = (description: string) => ({ description, schema: { type: "string" as const } });
const IMAGE_HEADERS = {
  "Content-Disposition": header("`attachment`, the file named after the code (an ASCII `filename`, the exact name in `filename*`)"),
  ETag: header("A hash of everything that shapes the image; send it in If-None-Match"),
  "Cache-Control": header("`private, no-cache`: revalidate with the ETag"),
  "X-Render-Cache": header("`hit` when the image came from the render cache, `miss` when it was drawn"),
  "X-Scannability": header("`universal` when every decoder family we test reads the design, or `relaxed; may fail: jsqr, quirc` naming those measured to fail (appearance.scannability)"),
};
const downloaded = {
  200: {
    description: "The image, as an attachment named after the code (Content-Disposition); ETag names it",
    headers: IMAGE_HEADERS,
    content: { "image/png": { schema: { type: "string" as const, format: "binary" } }, "image/svg+xml": { schema: { type: "string" as const, description: "SVG markup" } } },
  },
  304: { description: "Not modified: If-None-Match named this image's ETag", headers: { ETag: IMAGE_HEADERS.ETag } },
};
const DESCRIPTION =
  "The image applies the full appearance; `margin` overrides appearance.margin. Without `format` the Accept header chooses (image/svg+xml or image/png). A size too small for the code's modules (under 2 px each) is a 400 that names the smallest size that works. Identical requests are served from a cache; send If-None-Match with the ETag to get 304.";

downloadRouter.openapi(
  createRoute({
    method: "post",
    path: "/{id}/download",
    operationId: "downloadQrCode",
    tags: ["QR codes"],
    security: [{ bearerKey: [] }],
    summary: "Download the QR code as PNG or SVG, fully styled",
    description: DESCRIPTION,
    middleware: [read, jsonBody({ whenEmpty: {} })] as const,
    parameters: [IF_NONE_MATCH],
    request: { params: IdParam, body: { required: false, content: { "application/json": { schema: DownloadBody } } } },
    responses: { ...downloaded, 400: notFoundOrInvalid("An option is invalid (one violation each) or too small for the code"), ...bodyErrors, ...commonErrors },
  }),
  // Without a Content-Type the validator skips the body and hands over {}: parsing it again fills nothing in but keeps the types honest.
  async (c) => download(c, c.req.valid("param").id, optionsOf(c, DownloadBody.parse(c.req.valid("json")))),
);

// GET: the query string form of the POST, for clients that prefer GET (conditional GETs, <img>).
// Its query is listed before the path's id, as this family's operations always listed them.
const downloadByQuery = createRoute({
  method: "get",
  path: "/{id}/download",
  operationId: "downloadQrCodeByQuery",
  tags: ["QR codes"],
  security: [{ bearerKey: [] }],
  summary: "Download the QR code (query-string form of the POST, for conditional GETs)",
  description: DESCRIPTION,
  middleware: [read] as const,
  request: { params: IdParam, query: DownloadQuery },
  responses: { ...downloaded, 400: notFoundOrInvalid("A query parameter is invalid (one violation each) or too small for the code"), ...commonErrors },
});
downloadRouter.openapi({ ...downloadByQuery, hide: true }, async (c) => download(c, c.req.valid("param").id, optionsOf(c, c.req.valid("query"))));
downloadRouter.openAPIRegistry.registerPath(documentedQueryFirst(downloadByQuery, [IF_NONE_MATCH]));
