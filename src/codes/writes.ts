import { claimFiles, findFile, type StoredFile } from "../db/files";
import { isUniqueViolation } from "../db/constraints";
import { isMessageQrdlCode } from "../db/message-qrdl";
import {
  deleteCodeStatement,
  findIdempotentResponse,
  insertCodeStatements,
  insertIdempotencyStatement,
  queueRedirectSyncStatement,
  replaceCodeStatements,
  reserveShortTokenStatement,
} from "../db/qr-codes";
import { findUtmDefaults } from "../db/utm-defaults";
import { hasEdgeSecret } from "../lib/edge-keys";
import { hashCodePassword } from "./code-password";
import { syncChecksStatements } from "./destination-health";
import { isoNow } from "../lib/time";
import { readFileBytes, resolveUploadedImage } from "../files/logo";
import { fingerprintRequest, type RequestFingerprint } from "./idempotency";
import { InvalidInput } from "../lib/invalid-input";
import { prepareFrame, QrError, sniffRasterImage, type CenterImage } from "../qr";
import { isDynamicType, referencedFileIds, uploadReferences } from "./catalog";
import { CodeChanged, CodeManagedByMessageQrdl, IdempotencyKeyReused } from "./errors";
import { newCodeId, newShortToken } from "./ids";
import { checkIfMatch, requireCode } from "./lookup";
import type { CodeInput, QrCodeRecord } from "./record";
import { pushRedirect, redirectRecordOf, syncMarker } from "./short-links";
import { representCode, type QrCodeRepresentation } from "./representation";
import { builtinLogo, checkRenderable, checkUploadReferences } from "./write-checks";
import { emitCodeCreated, emitCodeDeleted, emitCodeUpdated } from "../webhooks/code-events";

/**
 * Saving a code, once, for every API that saves one (the QR code resource, message QR codes).
 *
 * Each write is one D1 batch, all or nothing: the code, its short token's reservation, the KV sync
 * marker, its file references, the idempotency record and whatever rows the caller adds
 * (`alsoWrite`, e.g. the message QR code's own row). KV, the redirect-only copy, is written after
 * the batch; a failed KV write is repaired by the cron through the marker (see short-links.ts).
 * Cost: one batch per write, plus the reads that prove the write can be served (files, If-Match).
 *
 * Functions take plain values, never an HTTP context, and throw the domain errors of errors.ts or
 * InvalidInput; the routes render them.
 */

export interface WriteScope {
  env: Env;
  orgId: string;
  /** The public origin short links and pages are built on (`https://qr.example.com`). */
  publicOrigin: string;
}

/** A new token is drawn this many times when it collides with a reserved one (47.6 bits: never, in practice). */
const TOKEN_ATTEMPTS = 5;
/** Without If-Match a write that lost a race with another is retried on the newer version this many times. */
const WRITE_ATTEMPTS = 3;

const logoIssue = (message: string) => new InvalidInput([{ field: "appearance.uploadedImage", message }]);

/**
 * The logo file behind appearance.uploadedImage (an upload id, or an https URL fetched once and
 * stored), claimed before it is read so the orphan cleanup cannot take it mid-write.
 */
async function resolveLogo(scope: WriteScope, input: CodeInput, now: string): Promise<{ file: StoredFile | null; image: CenterImage | null }> {
  const reference = input.appearance.uploadedImage;
  if (reference === null) return { file: null, image: builtinLogo(input.appearance) };
  const { env, orgId } = scope;
  const file = await resolveUploadedImage(env, orgId, reference, { publicOrigin: scope.publicOrigin });
  await claimFiles(env.DB, orgId, [file.id], now);
  const bytes = (await findFile(env.DB, orgId, file.id)) ? await readFileBytes(env, file) : null;
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
export async function prepareWrite(scope: WriteScope, input: CodeInput): Promise<{ logoFileId: string | null }> {
  const { env, orgId } = scope;
  const now = isoNow();
  // Claim first, check after: a file the cleanup has not deleted by now it will not delete.
  await claimFiles(env.DB, orgId, uploadReferences(input.type, input.content).map((ref) => ref.id), now);
  const logo = await resolveLogo(scope, input, now);
  await checkUploadReferences(input, (id) => findFile(env.DB, orgId, id));
  await prepareFrame(input.appearance); // a frame's caption is laid out by resvg, started here
  checkRenderable(input, scope.publicOrigin, logo.image);
  return { logoFileId: logo.file?.id ?? null };
}

export interface CreateOptions {
  /** Who the code is recorded as created by (the API key's or caller's name). */
  createdBy: string | null;
  /** A retried request with the same key and body gets the first answer back instead of a second code (kept 24 hours). */
  idempotencyKey?: string;
  /** Rows that belong with the code, written in its batch; called with the code as it will be stored (its token included). */
  alsoWrite?: (code: QrCodeRecord) => D1PreparedStatement[];
}

export interface Created {
  representation: QrCodeRepresentation;
  /** The stored code; null when the answer is the replay of an earlier request with the same Idempotency-Key. */
  code: QrCodeRecord | null;
  replayed: boolean;
}

async function replayIdempotent(db: D1Database, orgId: string, key: string, fingerprint: RequestFingerprint): Promise<Created | null> {
  const stored = await findIdempotentResponse(db, orgId, key);
  if (!stored) return null;
  if (!fingerprint.matches(stored.requestHash)) throw new IdempotencyKeyReused();
  return { representation: JSON.parse(stored.response) as QrCodeRepresentation, code: null, replayed: true };
}

/** A create ready for its batch: the code as it will be stored, its representation and its statements. */
export interface PlannedCreate {
  code: QrCodeRecord;
  representation: QrCodeRepresentation;
  statements: D1PreparedStatement[];
}

/**
 * The statements of one create whose input prepareWrite has proven (a fresh short token drawn for
 * a dynamic code each call), for createCode's batch or several creates' shared one (codes/bulk.ts).
 */
export function planCreate(
  scope: WriteScope,
  input: CodeInput,
  at: { id: string; logoFileId: string | null; createdBy: string | null; now: string; marker: string },
): PlannedCreate {
  const { env, orgId, publicOrigin } = scope;
  const db = env.DB;
  const { id, now } = at;
  const shortToken = isDynamicType(input.type) ? newShortToken() : null;
  const code: QrCodeRecord = { id, orgId, ...input, utm: input.utm ?? null, passwordHash: input.passwordHash ?? null, logoFileId: at.logoFileId, shortToken, createdBy: at.createdBy, version: 1, scans: 0, views: 0, clicks: 0, health: null, createdAt: now, updatedAt: now };
  const representation = representCode(code, publicOrigin);
  const statements = [...insertCodeStatements(db, code, referencedFileIds(code)), ...syncChecksStatements(db, code, code.version, now)];
  if (shortToken) statements.unshift(reserveShortTokenStatement(db, shortToken, id, now), queueRedirectSyncStatement(db, shortToken, at.marker));
  return { code, representation, statements };
}

/**
 * What a write stores of its input, beyond validation, resolved before it is planned:
 * - `utm` left out: the organization's UTM defaults (read from D1 once per completer, and only
 *   when a dynamic code needs them); `utm: null` is none; a static code never has any (it never
 *   passes through us);
 * - `password`: hashed into `passwordHash` (codes/code-password.ts) and dropped, so the password
 *   itself is never stored; null removes the hash; left out keeps the current one. A password needs
 *   a Worker secret to sign its unlock cookies: without one it is refused.
 * One completer serves a whole bulk call.
 */
export function inputCompleter(env: Env, orgId: string): (input: CodeInput) => Promise<CodeInput> {
  let defaults: Promise<CodeInput["utm"]> | undefined;
  return async ({ password, ...input }) => {
    const dynamic = isDynamicType(input.type);
    if (!dynamic) input.utm = null;
    else if (input.utm === undefined) {
      defaults ??= findUtmDefaults(env.DB, orgId);
      input.utm = await defaults;
    }
    if (typeof password === "string") {
      if (!hasEdgeSecret(env)) throw new InvalidInput([{ field: "password", message: "needs a Worker secret (EDGE_HMAC_KEY or ADMIN_TOKEN) to sign its unlock cookies; none is set" }]);
      input.passwordHash = await hashCodePassword(password);
    } else if (password === null || !dynamic) input.passwordHash = null;
    return input;
  };
}
const completeInput = (env: Env, orgId: string, input: CodeInput): Promise<CodeInput> => inputCompleter(env, orgId)(input);

/** Creates a code (a dynamic one with a fresh short token) and pushes its redirect record to KV. */
export async function createCode(scope: WriteScope, input: CodeInput, options: CreateOptions): Promise<Created> {
  const { env, orgId } = scope;
  const db = env.DB;
  const { idempotencyKey } = options;
  const fingerprint = idempotencyKey === undefined ? null : await fingerprintRequest(env, JSON.stringify(input));
  if (idempotencyKey !== undefined) {
    const replay = await replayIdempotent(db, orgId, idempotencyKey, fingerprint!);
    if (replay) return replay;
  }
  input = await completeInput(env, orgId, input);
  const { logoFileId } = await prepareWrite(scope, input);
  const now = isoNow();
  const marker = syncMarker();
  const id = newCodeId();
  for (let attempt = 1; ; attempt++) {
    const { code, representation, statements } = planCreate(scope, input, { id, logoFileId, createdBy: options.createdBy, now, marker });
    const { shortToken } = code;
    if (idempotencyKey !== undefined)
      statements.push(insertIdempotencyStatement(db, orgId, idempotencyKey, { requestHash: fingerprint!.stored, codeId: id, response: JSON.stringify(representation) }, now));
    if (options.alsoWrite) statements.push(...options.alsoWrite(code));
    try {
      await db.batch(statements);
    } catch (err) {
      if (isUniqueViolation(err, "short_tokens") && attempt < TOKEN_ATTEMPTS) continue;
      if (idempotencyKey !== undefined && isUniqueViolation(err, "idempotency_keys")) {
        // A concurrent request with the same key won; answer with its result.
        const replay = await replayIdempotent(db, orgId, idempotencyKey, fingerprint!);
        if (replay) return replay;
      }
      throw err;
    }
    if (shortToken) await pushRedirect(env, shortToken, redirectRecordOf(code), marker);
    await emitCodeCreated(env, orgId, [representation]);
    return { representation, code, replayed: false };
  }
}

export interface ReplaceOptions {
  /** The caller's If-Match header: a change made since that version is refused (CodeChanged). */
  ifMatch?: string;
  /** Set by the message QR code API alone: the codes it manages change only through it. */
  asMessageQrdl?: boolean;
  /** Rows that change with the code, in its batch; called with the code as it will be stored (its new version). */
  alsoWrite?: (next: QrCodeRecord) => D1PreparedStatement[];
}

/** A replace ready for its batch: the code as it will be stored, and its statements. */
export interface PlannedReplace {
  stored: QrCodeRecord;
  statements: D1PreparedStatement[];
  /** The index of the UPDATE … RETURNING among the statements: no row back means another write got there first. */
  replaced: number;
}

/**
 * The statements that replace `existing` with `input` (which prepareWrite has proven), for
 * replaceCode's batch or several replaces' shared one (codes/bulk.ts). No I/O: the short token is
 * kept, and a code that becomes dynamic draws a fresh one here. The statements expect the stored
 * version to still be existing.version.
 */
export function planReplace(
  scope: Pick<WriteScope, "env">,
  existing: QrCodeRecord,
  input: CodeInput,
  at: { logoFileId: string | null; now: string; marker: string },
): PlannedReplace {
  const db = scope.env.DB;
  const newToken = existing.shortToken === null && isDynamicType(input.type) ? newShortToken() : null;
  const shortToken = existing.shortToken ?? newToken;
  const next: QrCodeRecord = { ...existing, ...input, utm: input.utm ?? null, passwordHash: input.passwordHash === undefined ? existing.passwordHash : input.passwordHash, logoFileId: at.logoFileId, shortToken, updatedAt: at.now };
  const statements = replaceCodeStatements(db, next, existing.version, referencedFileIds(next));
  // Before the replace (its last statement), under the same version check as the tags.
  statements.splice(statements.length - 1, 0, ...syncChecksStatements(db, next, existing.version, at.now));
  if (newToken) statements.unshift(reserveShortTokenStatement(db, newToken, existing.id, at.now));
  const replaced = statements.length - 1;
  if (shortToken) statements.push(queueRedirectSyncStatement(db, shortToken, at.marker));
  return { stored: { ...next, version: existing.version + 1 }, statements, replaced };
}

/**
 * The statements that delete `existing` if it is still at its version, its sync marker after
 * them; the first (DELETE … RETURNING) answers no row when another write got there first.
 */
export function planDelete(db: D1Database, existing: QrCodeRecord, marker: string): D1PreparedStatement[] {
  const statements = [deleteCodeStatement(db, existing.orgId, existing.id, existing.version)];
  if (existing.shortToken) statements.push(queueRedirectSyncStatement(db, existing.shortToken, marker));
  return statements;
}

/**
 * What a change pinned by If-Match answers when another write got between its read and its batch:
 * CodeNotFound when that write deleted the code, CodeChanged otherwise (without If-Match the
 * change is applied again to the newer version instead).
 */
export async function refuseLostRace(db: D1Database, orgId: string, id: string, change: "replace" | "delete"): Promise<never> {
  await requireCode(db, orgId, id);
  throw new CodeChanged(
    change === "replace"
      ? "The QR code was changed by another request while this one was applied; fetch it again and reapply your change"
      : "The QR code was changed by another request; fetch it again before deleting",
  );
}

/**
 * Replaces a code's editable state (omitted fields were already set back to their defaults by the
 * caller's parsing); the short token never changes, and a code that becomes dynamic gets one.
 * `change` is the new state, or a function of the current one (re-applied on the newer version
 * when a concurrent write wins the race and no If-Match pinned the version).
 */
export async function replaceCode(
  scope: WriteScope,
  id: string,
  change: CodeInput | ((current: QrCodeRecord) => CodeInput),
  options: ReplaceOptions = {},
): Promise<QrCodeRecord> {
  const { env, orgId } = scope;
  const db = env.DB;
  for (let attempt = 1; ; attempt++) {
    const existing = await requireCode(db, orgId, id);
    checkIfMatch(options.ifMatch, existing);
    // Its message record would no longer describe where the deep link goes.
    if (attempt === 1 && !options.asMessageQrdl && (await isMessageQrdlCode(db, id))) throw new CodeManagedByMessageQrdl();
    const input = await completeInput(env, orgId, typeof change === "function" ? change(existing) : change);
    const { logoFileId } = await prepareWrite(scope, input);
    const marker = syncMarker();
    const { stored, statements, replaced } = planReplace(scope, existing, input, { logoFileId, now: isoNow(), marker });
    if (options.alsoWrite) statements.push(...options.alsoWrite(stored));
    let results;
    try {
      results = await db.batch<Record<string, unknown>>(statements);
    } catch (err) {
      if (isUniqueViolation(err, "short_tokens") && attempt < WRITE_ATTEMPTS) continue;
      throw err;
    }
    if (results[replaced]!.results.length === 0) {
      // Someone else wrote (or deleted) the code between our read and our write.
      if (attempt < WRITE_ATTEMPTS && options.ifMatch === undefined) continue;
      return refuseLostRace(db, orgId, id, "replace");
    }
    if (stored.shortToken) await pushRedirect(env, stored.shortToken, redirectRecordOf(stored), marker);
    await emitCodeUpdated(env, orgId, [representCode(stored, scope.publicOrigin)]);
    return stored;
  }
}

export interface DeleteOptions {
  ifMatch?: string;
  /** Rows that go with the code, in its batch. */
  alsoWrite?: (existing: QrCodeRecord) => D1PreparedStatement[];
}

/** Deletes a code: its KV record goes after it, and its short token is never issued again. Returns what was deleted. */
export async function deleteCode(scope: Pick<WriteScope, "env" | "orgId">, id: string, options: DeleteOptions = {}): Promise<QrCodeRecord> {
  const { env, orgId } = scope;
  const db = env.DB;
  for (let attempt = 1; ; attempt++) {
    const existing = await requireCode(db, orgId, id);
    checkIfMatch(options.ifMatch, existing);
    const marker = syncMarker();
    const statements = planDelete(db, existing, marker);
    if (options.alsoWrite) statements.push(...options.alsoWrite(existing));
    const [deleted] = await db.batch(statements);
    if (deleted!.results.length === 0) {
      if (attempt < WRITE_ATTEMPTS && options.ifMatch === undefined) continue;
      return refuseLostRace(db, orgId, id, "delete");
    }
    if (existing.shortToken) await pushRedirect(env, existing.shortToken, null, marker);
    await emitCodeDeleted(env, orgId, [existing]);
    return existing;
  }
}
