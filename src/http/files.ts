import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { findFileById, type StoredFile } from "../db/files";
import type { AppEnv } from "../env";
import { MultipartError, MultipartReader, MultipartTooLarge, multipartBoundary } from "../files/multipart";
import { contentDisposition, sanitizeFileName } from "../files/names";
import { ALLOWED_DESCRIPTION, downloadName, FILE_PURPOSES, isInlineSafe, MAX_BYTES, type FilePurpose } from "../files/sniff";
import { storeLogo } from "../files/logo";
import { FileRejected, storeFile } from "../files/store";
import { MAX_LOGO_PIXELS, MAX_LOGO_SIDE } from "../qr";
import { bearerKeyAuth, requirePermission } from "./bearer";
import { ApiError, ValidationError } from "./errors";
import { publicBaseUrl } from "./origin";
import { problemEnvelope, problemResponse } from "./problem";
import { newRouter } from "./router";
import { orUnavailable } from "../lib/unavailable";

/**
 * POST /files stores an upload (file and audio content, logos) in R2; GET /files/{id} serves it,
 * publicly, since scanners reach files through short links. Multipart is parsed by hand as a
 * stream (see files/multipart.ts), so the routes are documented through the registry.
 */

/** Room for the form's boundaries, headers and the purpose field around the largest file. */
const FORM_OVERHEAD_BYTES = 64 * 1024;
/** Fields other than `file` are small; a larger one is not a form this endpoint understands. */
const MAX_FIELD_BYTES = 1024;
/** The id never changes content, so a file can be cached for as long as caches keep anything. */
const CACHE_CONTROL = "public, max-age=31536000, immutable";
/** A file is data, never a document of our origin: nothing runs, nothing loads. */
const FILE_CSP = "default-src 'none'; sandbox";

const NotFound = () => new ApiError(404, "NOT_FOUND", "File not found");

const UploadResponseSchema = z
  .object({
    id: z.string().openapi({ example: "5f2c1e9a7b3d4c6e8f0a1b2c", description: "24 hex characters; use it as `fileName` (file, audio) or `appearance.uploadedImage` (logo)" }),
    fileName: z.string().openapi({ example: "menu.pdf", description: "The client's file name, sanitised" }),
    mediaType: z.string().openapi({ example: "application/pdf", description: "Sniffed from the bytes; the client's Content-Type is ignored" }),
    size: z.number().int().openapi({ example: 48213 }),
    url: z.string().openapi({ example: "https://qr.example/files/5f2c1e9a7b3d4c6e8f0a1b2c" }),
  })
  .openapi("UploadedFile");

const UploadRequestSchema = z
  .object({
    purpose: z.enum(FILE_PURPOSES as [FilePurpose, ...FilePurpose[]]).openapi({ description: "Must come before `file` in the form" }),
    file: z.string().openapi({ format: "binary", description: "The file; its type is decided by its bytes" }),
  })
  .openapi("FileUpload");

const problem = (description: string) => problemResponse(description);
const header = (description: string, type: "string" | "integer" = "string") => ({ description, schema: { type } });
const RETRY_AFTER = { "Retry-After": header("Seconds to wait before retrying", "integer") };
const unavailable = { ...problem("Storage could not answer; retry after Retry-After seconds"), headers: RETRY_AFTER };

/** What every answer for a stored file carries (fileHeaders below), as the document states them. */
const FILE_HEADERS_DOC = {
  ETag: header("The SHA-256 of the bytes, quoted; send it back in If-None-Match"),
  "Cache-Control": header(`\`${CACHE_CONTROL}\`: an id never changes content`),
  "Content-Disposition": header("`inline` for images (not SVG) and audio, `attachment` for everything else, with the file's name"),
  "Content-Security-Policy": header(`\`${FILE_CSP}\`: a file is data, never a document of this origin`),
  "X-Content-Type-Options": header("`nosniff`"),
  "Accept-Ranges": header("`bytes`: a single byte range is served"),
};
const BYTES = { "*/*": { schema: z.string().openapi({ format: "binary", description: "The stored bytes, with the media type sniffed from them at upload" }) } };

export const filesRouter = newRouter();

filesRouter.openAPIRegistry.registerPath({
  method: "post",
  path: "/",
  tags: ["Files"],
  summary: "Upload a file, an audio file or a logo",
  description:
    "multipart/form-data with a `purpose` field (logo, audio, file) followed by a `file` part. The type is sniffed from the bytes and must be allowed for the purpose: " +
    FILE_PURPOSES.map((p) => `${p}: ${ALLOWED_DESCRIPTION[p]}, at most ${MAX_BYTES[p]} bytes`).join("; ") +
    ". The body is streamed to storage and refused (413) as soon as it passes the limit. " +
    `A logo's pixel size is read from its header before anything is decoded: more than ${MAX_LOGO_PIXELS} pixels (2048x2048) is refused (400), and a logo over ${MAX_LOGO_SIDE} px on a side is stored scaled down to ${MAX_LOGO_SIDE} px (aspect kept) as a PNG, which the answer's mediaType and size describe. ` +
    "Needs a read-write bearer key with qr:WriteQrCode.",
  operationId: "uploadFile",
  security: [{ bearerKey: [] }],
  request: { body: { required: true, content: { "multipart/form-data": { schema: UploadRequestSchema } } } },
  responses: {
    201: {
      description: "Stored",
      headers: { Location: header("The file's path, `/files/{id}`") },
      content: { "application/json": { schema: UploadResponseSchema } },
    },
    400: problem("Malformed form, missing field, bytes that are not an allowed type, or a logo with too many pixels or none that can be decoded (violation on `file`)"),
    401: { ...problem("Missing, invalid, revoked or expired bearer key"), headers: { "WWW-Authenticate": header('The challenge: `Bearer realm="api"`') } },
    403: problem("Read-only key, or a key without qr:WriteQrCode"),
    413: problem("Larger than the purpose's limit"),
    415: problem("Not multipart/form-data"),
    503: unavailable,
  },
});

filesRouter.openAPIRegistry.registerPath({
  method: "get",
  path: "/{id}",
  tags: ["Files"],
  summary: "Download an uploaded file (public)",
  description:
    "Serves the stored bytes with their sniffed type, `X-Content-Type-Options: nosniff` and a sandboxing CSP. Images (not SVG) and audio are inline; everything else is `Content-Disposition: attachment`. Supports HEAD, ETag/If-None-Match and a single byte Range.",
  operationId: "downloadFile",
  // Public: scanners reach files through short links.
  security: [],
  request: {
    params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, example: "5f2c1e9a7b3d4c6e8f0a1b2c" }) }),
    headers: z.object({
      "If-None-Match": z.string().optional().openapi({ description: "ETags of copies the client holds (or `*`): 304 when one is the file's", example: '"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"' }),
      Range: z.string().optional().openapi({ description: "One byte range, `bytes=<first>-[<last>]` or `bytes=-<suffix length>`; any other form is ignored and the whole file sent", example: "bytes=0-1023" }),
    }),
  },
  responses: {
    200: { description: "The file", headers: { ...FILE_HEADERS_DOC, "Content-Length": header("The file's size in bytes", "integer") }, content: BYTES },
    206: {
      description: "The requested byte range",
      headers: {
        ...FILE_HEADERS_DOC,
        "Content-Range": header("`bytes <first>-<last>/<size>`"),
        "Content-Length": header("The range's length in bytes", "integer"),
      },
      content: BYTES,
    },
    304: { description: "Not modified: If-None-Match named the file's ETag", headers: FILE_HEADERS_DOC },
    404: problem("No such file"),
    416: { ...problem("Range not satisfiable"), headers: { "Content-Range": header("`bytes */<size>`: the file's size") } },
    503: unavailable,
  },
});

filesRouter.use("*", async (c, next) => {
  c.set("envelope", problemEnvelope);
  await next();
});

filesRouter.post("/", bearerKeyAuth(), requirePermission("qr:WriteQrCode", "write"), async (c) => {
  const boundary = multipartBoundary(c.req.header("content-type"));
  if (!boundary) throw new ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "Send the file as multipart/form-data");
  const maxBodyBytes = MAX_BYTES.file + FORM_OVERHEAD_BYTES;
  const declared = Number(c.req.header("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBodyBytes) throw tooLarge(MAX_BYTES.file);
  const body = c.req.raw.body;
  if (!body) throw new ValidationError([{ field: "file", message: "This value should not be blank." }]);

  const reader = new MultipartReader(body, boundary, maxBodyBytes);
  try {
    const file = await readUpload(c, reader);
    return c.json(
      { id: file.id, fileName: file.fileName, mediaType: file.mediaType, size: file.size, url: `${publicBaseUrl(c)}/files/${file.id}` },
      201,
      { Location: `/files/${file.id}` },
    );
  } catch (err) {
    if (err instanceof MultipartTooLarge) throw new ApiError(413, "REQUEST_TOO_LARGE", `Request body is too large (at most ${maxBodyBytes} bytes)`);
    if (err instanceof MultipartError) throw new ApiError(400, "MALFORMED_REQUEST", `Malformed multipart body: ${err.message}`);
    if (err instanceof FileRejected) {
      if (err.reason === "TOO_LARGE") throw new ApiError(413, "REQUEST_TOO_LARGE", `File too large: ${err.message}`);
      throw new ValidationError([{ field: "file", message: capitalize(err.message) }]);
    }
    throw err;
  } finally {
    // Whatever follows the file part (or an unread oversize remainder) is not read.
    await reader.cancel();
  }
});

const tooLarge = (maxBytes: number) => new ApiError(413, "REQUEST_TOO_LARGE", `File too large: at most ${maxBytes} bytes`);
const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Reads `purpose`, then streams `file` into storage; parts after `file` are not read. */
async function readUpload(c: Context<AppEnv>, reader: MultipartReader): Promise<StoredFile> {
  let purpose: FilePurpose | null = null;
  for (let part = await reader.nextPart(); part !== null; part = await reader.nextPart()) {
    if (part.name === "file") {
      if (part.fileName === null) throw new ValidationError([{ field: "file", message: "Must be a file part (with a filename)" }]);
      if (purpose === null)
        throw new ValidationError([{ field: "purpose", message: `Send the purpose field (${FILE_PURPOSES.join(", ")}) before the file part` }]);
      const file = { orgId: c.get("apiKey").orgId, fileName: sanitizeFileName(part.fileName), read: () => reader.readChunk() };
      return purpose === "logo" ? storeLogo(c.env, file) : storeFile(c.env, { ...file, purpose });
    }
    const value = await readField(reader);
    if (part.name === "purpose") {
      if (!(FILE_PURPOSES as readonly string[]).includes(value))
        throw new ValidationError([{ field: "purpose", message: `The value you selected is not a valid choice (${FILE_PURPOSES.join(", ")})` }]);
      purpose = value as FilePurpose;
    }
  }
  throw new ValidationError([{ field: "file", message: "This value should not be blank." }]);
}

async function readField(reader: MultipartReader): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let chunk = await reader.readChunk(); chunk !== null; chunk = await reader.readChunk()) {
    total += chunk.byteLength;
    if (total > MAX_FIELD_BYTES) throw new ApiError(413, "REQUEST_TOO_LARGE", `Form fields other than file are limited to ${MAX_FIELD_BYTES} bytes`);
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes).trim();
}

filesRouter.get("/:id", async (c) => {
  const file = await findFileById(c.env.DB, c.req.param("id"));
  if (!file) throw NotFound();
  const headers = fileHeaders(file);
  const etag = headers.get("ETag")!;
  // Through c.body so the response keeps what middleware set (X-Request-Id, security headers).
  const respond = (body: ReadableStream | null, status: 200 | 206) => (body ? c.body(body, status, Object.fromEntries(headers)) : c.body(null, status, Object.fromEntries(headers)));
  if (matchesEtag(c.req.header("if-none-match"), etag)) return c.body(null, 304, Object.fromEntries(headers));

  const range = parseRange(c.req.header("range"), file.size);
  if (range === "unsatisfiable") {
    c.header("Content-Range", `bytes */${file.size}`);
    throw new ApiError(416, "RANGE_NOT_SATISFIABLE", "Range not satisfiable");
  }
  if (c.req.method === "HEAD") {
    headers.set("Content-Length", String(range ? range.length : file.size));
    return respond(null, range ? 206 : 200);
  }
  const object = await orUnavailable("r2", () => c.env.FILES.get(file.r2Key, range ? { range } : {}));
  if (!object) {
    console.error(JSON.stringify({ level: "error", requestId: c.get("requestId"), error: `R2 object missing for file ${file.id}` }));
    throw NotFound();
  }
  if (range) {
    headers.set("Content-Range", `bytes ${range.offset}-${range.offset + range.length - 1}/${file.size}`);
    headers.set("Content-Length", String(range.length));
    return respond(object.body, 206);
  }
  headers.set("Content-Length", String(file.size));
  return respond(object.body, 200);
});

/** Headers every answer for a file carries (200, 206, 304, HEAD). */
export function fileHeaders(file: StoredFile): Headers {
  const disposition = isInlineSafe(file.mediaType) ? "inline" : "attachment";
  return new Headers({
    "Content-Type": file.mediaType,
    "Content-Disposition": contentDisposition(disposition, downloadName(file.fileName, file.mediaType)),
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": FILE_CSP,
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Cache-Control": CACHE_CONTROL,
    ETag: `"${file.sha256}"`,
    "Accept-Ranges": "bytes",
  });
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t === etag || t === `W/${etag}`;
  });
}

/** One `bytes=` range (the only kind we serve); anything else is ignored and the whole file sent. */
export function parseRange(header: string | undefined, size: number): { offset: number; length: number } | "unsatisfiable" | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return null;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    const offset = Math.max(0, size - suffix);
    return { offset, length: size - offset };
  }
  const start = Number(match[1]);
  if (match[2] !== "" && Number(match[2]) < start) return null;
  if (start >= size) return "unsatisfiable";
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  return { offset: start, length: end - start + 1 };
}
