import { findFile, findFileByDigest, type StoredFile } from "../db/files";
import { isFileId } from "../lib/file-ids";
import { InvalidInput } from "../lib/invalid-input";
import { fetchPublicResource, SafeFetchError, type Fetcher } from "../lib/safe-fetch";
import { sanitizeFileName } from "./names";
import { ALLOWED_DESCRIPTION, ALLOWED_MEDIA_TYPES, MAX_BYTES, sniffMediaType } from "./sniff";
import { FileRejected, readWhole, storeBytes, type StoreInput } from "./store";
import { normalizeLogo, QrError } from "../qr";
import { sha256Hex } from "../lib/hex";

/**
 * Logos given to the QR code resource as `appearance.uploadedImage`: the id of an uploaded logo,
 * or an https URL that is fetched once, under the SSRF rules, and stored in R2 like an upload,
 * so rendering never fetches anything. Either way a logo is stored at most MAX_LOGO_SIDE a side,
 * so a render never decodes a large picture.
 */

export const LOGO_FIELD = "appearance.uploadedImage";
export const LOGO_FETCH_TIMEOUT_MS = 5_000;

// InvalidInput, as the code layer throws for this field: each API renders it as its own 400.
const refuse = (message: string): InvalidInput => new InvalidInput([{ field: LOGO_FIELD, message }]);

export interface ImportOptions {
  /** Injected in tests; the Worker's own fetch otherwise. */
  fetcher?: Fetcher;
  timeoutMs?: number;
}

/** Fetches a PNG or JPEG logo from an https URL and stores it (purpose 'logo', source_url set). */
export async function importRemoteLogo(env: Env, orgId: string, url: string, options: ImportOptions = {}): Promise<StoredFile> {
  let fetched;
  try {
    fetched = await fetchPublicResource(url, {
      maxBytes: MAX_BYTES.logo,
      timeoutMs: options.timeoutMs ?? LOGO_FETCH_TIMEOUT_MS,
      accept: "image/png,image/jpeg;q=0.9",
      ...(options.fetcher ? { fetcher: options.fetcher } : {}),
    });
  } catch (err) {
    if (err instanceof SafeFetchError) throw refuse(`the logo could not be fetched: ${err.message}`);
    throw err;
  }
  const mediaType = sniffMediaType(fetched.bytes);
  if (!mediaType || !ALLOWED_MEDIA_TYPES.logo.has(mediaType))
    throw refuse(`the URL does not serve an accepted logo image (${ALLOWED_DESCRIPTION.logo})`);
  try {
    const bytes = await logoBytesToStore(fetched.bytes);
    // The same picture imported again (the same URL on every update) reuses the stored copy; a
    // scaled one is found by the digest of what was stored, so a large logo is scaled again.
    const existing = await findFileByDigest(env.DB, orgId, "logo", await sha256Hex(bytes));
    if (existing) return existing;
    const fileName = sanitizeFileName(decodeSafely(new URL(fetched.finalUrl).pathname.split("/").pop() ?? ""), "logo");
    return await storeBytes(env, { orgId, purpose: "logo", fileName, bytes, sourceUrl: url });
  } catch (err) {
    if (err instanceof FileRejected) throw refuse(err.message);
    throw err;
  }
}

/**
 * Stores an uploaded logo: read whole (it is at most MAX_BYTES.logo), refused when its header
 * names no size or too many pixels, and stored scaled down when it is larger than a render needs
 * (see normalizeLogo). FileRejected like storeFile otherwise.
 */
export async function storeLogo(env: Env, input: Omit<StoreInput, "purpose" | "sourceUrl">): Promise<StoredFile> {
  const bytes = await logoBytesToStore(await readWhole({ ...input, purpose: "logo" }));
  return storeBytes(env, { orgId: input.orgId, purpose: "logo", fileName: input.fileName, bytes });
}

/** What to store for a logo's bytes; FileRejected (INVALID_IMAGE) when they cannot be one. */
async function logoBytesToStore(bytes: Uint8Array): Promise<Uint8Array> {
  try {
    return (await normalizeLogo(bytes)).bytes;
  } catch (err) {
    if (err instanceof QrError) throw new FileRejected("INVALID_IMAGE", err.message);
    throw err;
  }
}

/**
 * What `appearance.uploadedImage` names: an uploaded logo's id (or its /files/{id} URL on our own
 * origin), or any other https URL, imported. InvalidInput on `appearance.uploadedImage` otherwise.
 */
export async function resolveUploadedImage(
  env: Env,
  orgId: string,
  value: string,
  options: ImportOptions & { publicOrigin?: string } = {},
): Promise<StoredFile> {
  const trimmed = value.trim();
  const ownId = ownFileId(trimmed, options.publicOrigin);
  if (ownId !== null) {
    const file = await findFile(env.DB, orgId, ownId);
    if (!file) throw refuse("no uploaded file with this id");
    if (file.purpose !== "logo") throw refuse("the file was not uploaded as a logo (purpose=logo)");
    return file;
  }
  if (!/^https:\/\//i.test(trimmed)) throw refuse("must be the id of an uploaded logo or an https URL");
  return importRemoteLogo(env, orgId, trimmed, options);
}

/** The id when the value is a bare file id or our own /files/{id} URL. */
function ownFileId(value: string, publicOrigin: string | undefined): string | null {
  if (isFileId(value)) return value;
  if (!publicOrigin) return null;
  try {
    const url = new URL(value);
    const match = /^\/files\/([0-9a-f]{24})$/.exec(url.pathname);
    return match && url.origin === new URL(publicOrigin).origin ? match[1]! : null;
  } catch {
    return null;
  }
}

function decodeSafely(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export { readFileBytes } from "./store";
