import type { Context } from "hono";
import { uploadReferences } from "../../codes/content";
import { CODE_ID_PATTERN, newCodeId, newShortToken } from "../../codes/ids";
import { pushRedirect, redirectRecordOf, syncMarker } from "../../codes/redirects";
import { representCode, type QrCodeRepresentation } from "../../codes/representation";
import { isDynamicType } from "../../codes/types";
import { claimFiles, findFile, type StoredFile } from "../../db/files";
import {
  deleteCodeStatement,
  findCode,
  findIdempotentResponse,
  insertCodeStatements,
  insertIdempotencyStatement,
  queueRedirectSyncStatement,
  replaceCodeStatements,
  reserveShortTokenStatement,
} from "../../db/qr-codes";
import type { QrCodeRecord } from "../../codes/record";
import { isUniqueViolation } from "../../db/constraints";
import { isMessageQrdlCode } from "../../db/message-qrdl";
import { isoNow } from "../../db/time";
import type { AppEnv } from "../../env";
import { readFileBytes, resolveUploadedImage } from "../../files/logo";
import { QrError } from "../../qr/errors";
import { sniffRasterImage, type CenterImage } from "../../qr/image";
import { ApiError, ValidationError } from "../errors";
import { publicBaseUrl } from "../origin";
import type { CodeInput } from "../../codes/record";
import { builtinLogo, checkRenderable, checkUploadReferences } from "../../codes/write-checks";
import { sha256Hex } from "../../lib/hex";

type Ctx = Context<AppEnv>;

/** The one answer for a code that is missing or another organization's: byte-identical either way. */
export const codeNotFound = () => new ApiError(400, "NOT_FOUND", "QR code not found");

/** The version of the editable state; analytics counters are not part of it. */
export const etagOf = (code: Pick<QrCodeRecord, "version">) => `"v${code.version}"`;

export async function requireCode(c: Ctx, id: string): Promise<QrCodeRecord> {
  if (!CODE_ID_PATTERN.test(id)) throw codeNotFound();
  const code = await findCode(c.env.DB, c.get("apiKey").orgId, id);
  if (!code) throw codeNotFound();
  return code;
}

/** RFC 9110 If-Match: strong comparison against the current tag, or `*`. */
export function checkIfMatch(c: Ctx, code: QrCodeRecord): void {
  const header = c.req.header("If-Match");
  if (header === undefined) return;
  const tags = header.split(",").map((tag) => tag.trim());
  if (tags.includes("*") || tags.includes(etagOf(code))) return;
  throw new ApiError(412, "PRECONDITION_FAILED", `The QR code has changed since the version in If-Match (it is now ${etagOf(code)}); fetch it again and reapply your change`);
}


const logoIssue = (message: string) => new ValidationError([{ field: "appearance.uploadedImage", message }]);

/**
 * The logo file behind appearance.uploadedImage (an upload id, or an https URL fetched once and
 * stored), claimed before it is read so the orphan cleanup cannot take it mid-write.
 */
async function resolveLogo(c: Ctx, input: CodeInput, now: string): Promise<{ file: StoredFile | null; image: CenterImage | null }> {
  const reference = input.appearance.uploadedImage;
  if (reference === null) return { file: null, image: builtinLogo(input.appearance) };
  const orgId = c.get("apiKey").orgId;
  const file = await resolveUploadedImage(c.env, orgId, reference, { publicOrigin: publicBaseUrl(c) });
  await claimFiles(c.env.DB, orgId, [file.id], now);
  const bytes = (await findFile(c.env.DB, orgId, file.id)) ? await readFileBytes(c.env, file) : null;
  // Cleaned up between its lookup and its claim (possible only for an upload idle for a day).
  if (!bytes) throw logoIssue("the stored logo is no longer available; upload it again or send its URL again");
  try {
    return { file, image: sniffRasterImage(bytes) };
  } catch (err) {
    if (err instanceof QrError) throw logoIssue(err.message);
    throw err;
  }
}

/** Everything a write must prove before touching D1: references exist, the design can be drawn. */
async function prepareWrite(c: Ctx, input: CodeInput): Promise<{ logoFileId: string | null }> {
  const orgId = c.get("apiKey").orgId;
  const now = isoNow();
  // Claim first, check after: a file the cleanup has not deleted by now it will not delete.
  await claimFiles(c.env.DB, orgId, uploadReferences(input.type, input.content).map((ref) => ref.id), now);
  const logo = await resolveLogo(c, input, now);
  await checkUploadReferences(input, (id) => findFile(c.env.DB, orgId, id));
  checkRenderable(input, publicBaseUrl(c), logo.image);
  return { logoFileId: logo.file?.id ?? null };
}

const requestHash = (input: CodeInput): Promise<string> => sha256Hex(JSON.stringify(input));

const TOKEN_ATTEMPTS = 5;

export interface Created {
  code: QrCodeRepresentation;
  replayed: boolean;
}

/**
 * Creates a code: the short token's reservation, the code, its KV sync marker and the idempotency
 * record are one D1 batch (all or nothing); KV is written after, and a failed KV write is left
 * to the cron through the marker.
 */
export async function createCode(c: Ctx, input: CodeInput, idempotencyKey: string | undefined): Promise<Created> {
  const db = c.env.DB;
  const key = c.get("apiKey");
  const hash = idempotencyKey === undefined ? null : await requestHash(input);
  if (idempotencyKey !== undefined) {
    const replay = await replayIdempotent(db, key.orgId, idempotencyKey, hash!);
    if (replay) return replay;
  }
  const { logoFileId } = await prepareWrite(c, input);
  const base = publicBaseUrl(c);
  const now = isoNow();
  const marker = syncMarker();
  const id = newCodeId();
  for (let attempt = 1; ; attempt++) {
    const shortToken = isDynamicType(input.type) ? newShortToken() : null;
    const code: QrCodeRecord = { id, orgId: key.orgId, ...input, logoFileId, shortToken, createdBy: key.name, version: 1, scans: 0, views: 0, createdAt: now, updatedAt: now };
    const representation = representCode(code, base);
    const statements = insertCodeStatements(db, code);
    if (shortToken) statements.unshift(reserveShortTokenStatement(db, shortToken, id, now), queueRedirectSyncStatement(db, shortToken, marker));
    if (idempotencyKey !== undefined)
      statements.push(insertIdempotencyStatement(db, key.orgId, idempotencyKey, { requestHash: hash!, codeId: id, response: JSON.stringify(representation) }, now));
    try {
      await db.batch(statements);
    } catch (err) {
      if (isUniqueViolation(err, "short_tokens") && attempt < TOKEN_ATTEMPTS) continue;
      if (idempotencyKey !== undefined && isUniqueViolation(err, "idempotency_keys")) {
        // A concurrent request with the same key won; answer with its result.
        const replay = await replayIdempotent(db, key.orgId, idempotencyKey, hash!);
        if (replay) return replay;
      }
      throw err;
    }
    if (shortToken) await pushRedirect(c.env, shortToken, redirectRecordOf(code), marker);
    return { code: representation, replayed: false };
  }
}

async function replayIdempotent(db: D1Database, orgId: string, key: string, hash: string): Promise<Created | null> {
  const stored = await findIdempotentResponse(db, orgId, key);
  if (!stored) return null;
  if (stored.requestHash !== hash)
    throw new ApiError(422, "IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was already used with a different request body; use a new key for a new request");
  return { code: JSON.parse(stored.response) as QrCodeRepresentation, replayed: true };
}

const WRITE_ATTEMPTS = 3;

/**
 * PUT: the representation is replaced (omitted fields are back to their defaults); the short
 * token never changes. Without If-Match the last writer wins; with it a concurrent change is 412.
 */
export async function replaceCode(c: Ctx, id: string, input: CodeInput): Promise<QrCodeRecord> {
  const db = c.env.DB;
  for (let attempt = 1; ; attempt++) {
    const existing = await requireCode(c, id);
    checkIfMatch(c, existing);
    // Its message record would no longer describe where the deep link goes.
    if (attempt === 1 && (await isMessageQrdlCode(db, id)))
      throw new ApiError(409, "MANAGED_BY_MESSAGE_QRDL", "This QR code is the deep link of a message QR code; change it with UpdatePhoneMessageQrdl (deleting it here deletes the message QR code too)");
    const { logoFileId } = await prepareWrite(c, input);
    const now = isoNow();
    const marker = syncMarker();
    const newToken = existing.shortToken === null && isDynamicType(input.type) ? newShortToken() : null;
    const shortToken = existing.shortToken ?? newToken;
    const next: QrCodeRecord = { ...existing, ...input, logoFileId, shortToken, updatedAt: now };
    const statements = replaceCodeStatements(db, next, existing.version);
    if (newToken) statements.unshift(reserveShortTokenStatement(db, newToken, id, now));
    const replaced = statements.length - 1;
    if (shortToken) statements.push(queueRedirectSyncStatement(db, shortToken, marker));
    let results;
    try {
      results = await db.batch<Record<string, unknown>>(statements);
    } catch (err) {
      if (isUniqueViolation(err, "short_tokens") && attempt < WRITE_ATTEMPTS) continue;
      throw err;
    }
    const updated = results[replaced]!.results.length > 0;
    if (!updated) {
      // Someone else wrote (or deleted) the code between our read and our write.
      if (attempt < WRITE_ATTEMPTS && c.req.header("If-Match") === undefined) continue;
      await requireCode(c, id);
      throw new ApiError(412, "PRECONDITION_FAILED", "The QR code was changed by another request while this one was applied; fetch it again and reapply your change");
    }
    const stored = { ...next, version: existing.version + 1 };
    if (shortToken) await pushRedirect(c.env, shortToken, redirectRecordOf(stored), marker);
    return stored;
  }
}

/** DELETE: the code goes, its KV record goes after it, and its short token is never issued again. */
export async function deleteCode(c: Ctx, id: string): Promise<void> {
  const db = c.env.DB;
  for (let attempt = 1; ; attempt++) {
    const existing = await requireCode(c, id);
    checkIfMatch(c, existing);
    const now = isoNow();
    const marker = syncMarker();
    const statements = [deleteCodeStatement(db, existing.orgId, id, existing.version)];
    if (existing.shortToken) statements.push(queueRedirectSyncStatement(db, existing.shortToken, marker));
    const [deleted] = await db.batch(statements);
    if (deleted!.results.length === 0) {
      if (attempt < WRITE_ATTEMPTS && c.req.header("If-Match") === undefined) continue;
      await requireCode(c, id);
      throw new ApiError(412, "PRECONDITION_FAILED", "The QR code was changed by another request; fetch it again before deleting");
    }
    if (existing.shortToken) await pushRedirect(c.env, existing.shortToken, null, marker);
    return;
  }
}
