import { insertFile, type StoredFile } from "../db/files";
import { newFileId } from "../lib/file-ids";
import { ALLOWED_DESCRIPTION, ALLOWED_MEDIA_TYPES, MAX_BYTES, SNIFF_BYTES, sniffMediaType, type FilePurpose } from "./sniff";
import { toHex } from "../lib/hex";
import { orUnavailable } from "../lib/unavailable";

/**
 * Storing a file's bytes in R2 and its row in D1, from a stream of chunks that is counted,
 * sniffed and hashed as it goes. Bodies up to one part (5 MiB) are put in one call; bigger ones
 * go through an R2 multipart upload in equal 5 MiB parts, so memory stays at about one part
 * whatever the file's size. Any failure aborts the multipart upload, so R2 keeps nothing.
 */

/** R2 multipart: every part but the last must be the same size, and at least 5 MiB. */
export const PART_BYTES = 5 * 1024 * 1024;

export type RejectionReason = "TOO_LARGE" | "UNSUPPORTED_TYPE" | "EMPTY" | "INVALID_IMAGE";

/** The bytes are not acceptable for the purpose (the caller words it for its own field). */
export class FileRejected extends Error {
  constructor(
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(message);
    this.name = "FileRejected";
  }
}

export interface StoreInput {
  orgId: string;
  purpose: FilePurpose;
  fileName: string;
  /** The next chunk of the file, or null at its end. */
  read: () => Promise<Uint8Array | null>;
  sourceUrl?: string | null;
}

export const r2KeyFor = (orgId: string, id: string): string => `files/${orgId}/${id}`;

/** Throws FileRejected when the bytes are too many or not an allowed type for the purpose. */
export async function storeFile(env: Env, input: StoreInput): Promise<StoredFile> {
  const { orgId, purpose } = input;
  const maxBytes = MAX_BYTES[purpose];
  const id = newFileId();
  const r2Key = r2KeyFor(orgId, id);
  const digest = new crypto.DigestStream("SHA-256");
  const hasher = digest.getWriter();
  // Aborting the hasher on failure rejects the digest; nobody waits for it then.
  digest.digest.catch(() => undefined);
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let total = 0;
  let mediaType: string | null = null;
  let upload: R2MultipartUpload | null = null;
  let stored = false;
  const parts: R2UploadedPart[] = [];
  const sniff = (head: Uint8Array): string => acceptedType(head, input.fileName, purpose);
  try {
    for (let chunk = await input.read(); chunk !== null; chunk = await input.read()) {
      if (chunk.byteLength === 0) continue;
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge(purpose);
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      await hasher.write(chunk);
      // Refuse a wrong type as soon as its head is here, before anything reaches R2.
      if (mediaType === null && pendingBytes >= SNIFF_BYTES) mediaType = sniff(concat(pending));
      while (pendingBytes >= PART_BYTES) {
        const all = concat(pending);
        upload ??= await orUnavailable("r2", () => env.FILES.createMultipartUpload(r2Key, { httpMetadata: { contentType: mediaType! } }));
        const part = all.slice(0, PART_BYTES);
        parts.push(await orUnavailable("r2", () => upload!.uploadPart(parts.length + 1, part)));
        const rest = all.subarray(PART_BYTES);
        pending = rest.length > 0 ? [rest] : [];
        pendingBytes = rest.length;
      }
    }
    if (total === 0) throw empty();
    const tail = concat(pending);
    mediaType ??= sniff(tail);
    await hasher.close();
    const sha256 = toHex(await digest.digest);
    if (upload) {
      const multipart = upload;
      if (tail.length > 0) parts.push(await orUnavailable("r2", () => multipart.uploadPart(parts.length + 1, tail)));
      await orUnavailable("r2", () => multipart.complete(parts));
    } else {
      const contentType = mediaType;
      await orUnavailable("r2", () => env.FILES.put(r2Key, tail, { httpMetadata: { contentType }, sha256 }));
    }
    stored = true;
    return await insertFile(env.DB, { id, orgId, purpose, fileName: input.fileName, mediaType, size: total, sha256, r2Key, sourceUrl: input.sourceUrl ?? null });
  } catch (err) {
    await hasher.abort().catch(() => undefined);
    if (stored) await env.FILES.delete(r2Key).catch(() => undefined);
    else if (upload) await upload.abort().catch(() => undefined);
    throw err;
  }
}

/** The media type of a file's head when the purpose accepts it; FileRejected otherwise. */
function acceptedType(head: Uint8Array, fileName: string, purpose: FilePurpose): string {
  const type = sniffMediaType(head.subarray(0, SNIFF_BYTES), fileName);
  if (type === null || !ALLOWED_MEDIA_TYPES[purpose].has(type))
    throw new FileRejected("UNSUPPORTED_TYPE", `the content is not an accepted ${purpose} type (${ALLOWED_DESCRIPTION[purpose]})${type ? `; it is ${type}` : ""}`);
  return type;
}

const tooLarge = (purpose: FilePurpose) => new FileRejected("TOO_LARGE", `the file is larger than ${MAX_BYTES[purpose]} bytes, the limit for a ${purpose}`);
const empty = () => new FileRejected("EMPTY", "the file is empty");

/**
 * A whole upload read into memory and refused as storeFile refuses it (too large as soon as it
 * passes the purpose's cap, empty, or not a type the purpose accepts), for bytes that are checked
 * and changed before they are stored (logos, which are small).
 */
export async function readWhole(input: Pick<StoreInput, "purpose" | "fileName" | "read">): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let chunk = await input.read(); chunk !== null; chunk = await input.read()) {
    total += chunk.byteLength;
    if (total > MAX_BYTES[input.purpose]) throw tooLarge(input.purpose);
    if (chunk.byteLength > 0) chunks.push(chunk);
  }
  if (total === 0) throw empty();
  const bytes = concat(chunks);
  acceptedType(bytes, input.fileName, input.purpose);
  return bytes;
}

/** Stores bytes already in memory (an imported logo) the same way. */
export function storeBytes(env: Env, input: Omit<StoreInput, "read"> & { bytes: Uint8Array }): Promise<StoredFile> {
  let sent = false;
  return storeFile(env, {
    ...input,
    read: async () => {
      if (sent) return null;
      sent = true;
      return input.bytes;
    },
  });
}

/** A stored file's bytes (logos, for rendering), or null when R2 no longer has the object. */
export async function readFileBytes(env: Env, file: StoredFile): Promise<Uint8Array | null> {
  return orUnavailable("r2", async () => {
    const object = await env.FILES.get(file.r2Key);
    return object ? new Uint8Array(await object.arrayBuffer()) : null;
  });
}


function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
