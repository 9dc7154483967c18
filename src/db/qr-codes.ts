import type { Appearance } from "../qr";
import type { DestinationHealth, QrCodeRecord } from "../codes/record";
import type { Limits } from "../codes/limits";
import type { Routing, Utm } from "../codes/smart-links";
import type { QrCodeType } from "../codes/types";
import { deleteFileReferencesStatement, insertFileReferencesStatement } from "./file-references";
import { deleteTagsStatement, hasAllTagsCondition, insertTagsStatement } from "./tags";

// Named SQL for the QR code resource, with row mappers; handlers never see column names.


interface QrCodeRow {
  id: string;
  org_id: string;
  name: string;
  type: QrCodeType;
  content: string;
  appearance: string;
  limits: string | null;
  routing: string | null;
  utm: string | null;
  password_hash: string | null;
  destination_health: string | null;
  tags: string;
  logo_file_id: string | null;
  short_token: string | null;
  created_by: string | null;
  version: number;
  scans: number;
  views: number;
  clicks: number;
  created_at: string;
  updated_at: string;
}

const toQrCode = (r: QrCodeRow): QrCodeRecord => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  type: r.type,
  content: JSON.parse(r.content) as Record<string, unknown>,
  appearance: JSON.parse(r.appearance) as Appearance,
  limits: r.limits === null ? null : (JSON.parse(r.limits) as Limits),
  routing: r.routing === null ? null : (JSON.parse(r.routing) as Routing),
  utm: r.utm === null ? null : (JSON.parse(r.utm) as Utm),
  passwordHash: r.password_hash,
  health: r.destination_health === null ? null : (JSON.parse(r.destination_health) as DestinationHealth),
  tags: JSON.parse(r.tags) as string[],
  logoFileId: r.logo_file_id,
  shortToken: r.short_token,
  createdBy: r.created_by,
  version: r.version,
  scans: r.scans,
  views: r.views,
  clicks: r.clicks,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * The editable columns in bind order ?1..?13: identity (id, org), then what a write sets. Insert
 * and replace bind the same list, so a column added here reaches both.
 */
const editableValues = (code: QrCodeRecord): unknown[] => [
  code.id,
  code.orgId,
  code.name,
  code.type,
  JSON.stringify(code.content),
  JSON.stringify(code.appearance),
  code.logoFileId,
  code.shortToken,
  code.limits === null ? null : JSON.stringify(code.limits),
  JSON.stringify(code.tags),
  code.routing === null ? null : JSON.stringify(code.routing),
  code.utm === null ? null : JSON.stringify(code.utm),
  code.passwordHash,
];

/** The code's insert, then its file references (`fileIds`: every upload it refers to; see file-references.ts) and its tag rows. */
export function insertCodeStatements(db: D1Database, code: QrCodeRecord, fileIds: readonly string[]): D1PreparedStatement[] {
  const insert = db
    .prepare(
      `INSERT INTO qr_codes (id, org_id, name, type, content, appearance, logo_file_id, short_token, limits, tags, routing, utm, password_hash, created_by, version, created_at, updated_at, scans, views, clicks)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, 0, 0, 0)`,
    )
    .bind(...editableValues(code), code.createdBy, code.version, code.createdAt, code.updatedAt);
  return [insert, insertFileReferencesStatement(db, code.orgId, code.id, fileIds, code.version), insertTagsStatement(db, code.orgId, code.id, code.tags, code.version)];
}

/** Reserves a short token forever; the primary key makes a collision fail the whole batch. */
export function reserveShortTokenStatement(db: D1Database, token: string, codeId: string, at: string): D1PreparedStatement {
  return db.prepare("INSERT INTO short_tokens (token, code_id, created_at) VALUES (?1, ?2, ?3)").bind(token, codeId, at);
}

/**
 * Replaces the editable fields when the stored version is still `expectedVersion` (optimistic
 * concurrency: a concurrent writer makes this match no row). The code's file references and tag
 * rows are rewritten first, under the same check, so they change exactly when the code does. The replace
 * is the last statement: its result (RETURNING *) is empty when the check failed.
 */
export function replaceCodeStatements(db: D1Database, code: QrCodeRecord, expectedVersion: number, fileIds: readonly string[]): D1PreparedStatement[] {
  const replace = db
    .prepare(
      `UPDATE qr_codes SET name = ?3, type = ?4, content = ?5, appearance = ?6, logo_file_id = ?7, short_token = ?8, limits = ?9, tags = ?10, routing = ?11, utm = ?12, password_hash = ?13, version = version + 1, updated_at = ?14
       WHERE id = ?1 AND org_id = ?2 AND version = ?15 RETURNING *`,
    )
    .bind(...editableValues(code), code.updatedAt, expectedVersion);
  return [
    deleteFileReferencesStatement(db, code.orgId, code.id, expectedVersion),
    insertFileReferencesStatement(db, code.orgId, code.id, fileIds, expectedVersion),
    deleteTagsStatement(db, code.orgId, code.id, expectedVersion),
    insertTagsStatement(db, code.orgId, code.id, code.tags, expectedVersion),
    replace,
  ];
}

/** Its file references go with it (the foreign key cascades), in the same statement. */
export function deleteCodeStatement(db: D1Database, orgId: string, id: string, expectedVersion: number): D1PreparedStatement {
  return db.prepare("DELETE FROM qr_codes WHERE id = ?1 AND org_id = ?2 AND version = ?3 RETURNING id").bind(id, orgId, expectedVersion);
}

export async function findCode(db: D1Database, orgId: string, id: string): Promise<QrCodeRecord | null> {
  const row = await db.prepare("SELECT * FROM qr_codes WHERE id = ?1 AND org_id = ?2").bind(id, orgId).first<QrCodeRow>();
  return row ? toQrCode(row) : null;
}

/** D1 binds at most 100 values a statement: the organization's id and 99 code ids. */
const IDS_PER_READ = 99;

/** The organization's codes among `ids` by id (a missing id, or another organization's, is absent), 99 ids a query. */
/** Codes by id whatever their organization, for jobs that found the ids themselves (destination checks). */
export async function findCodesAnyOrganization(db: D1Database, ids: readonly string[]): Promise<QrCodeRecord[]> {
  if (ids.length === 0) return [];
  const { results } = await db.prepare("SELECT * FROM qr_codes WHERE id IN (SELECT value FROM json_each(?1))").bind(JSON.stringify(ids)).all<QrCodeRow>();
  return results.map(toQrCode);
}

export async function findCodesByIds(db: D1Database, orgId: string, ids: readonly string[]): Promise<Map<string, QrCodeRecord>> {
  const found = new Map<string, QrCodeRecord>();
  for (let i = 0; i < ids.length; i += IDS_PER_READ) {
    const chunk = ids.slice(i, i + IDS_PER_READ);
    const { results } = await db
      .prepare(`SELECT * FROM qr_codes WHERE org_id = ?1 AND id IN (${chunk.map((_, k) => `?${k + 2}`).join(", ")})`)
      .bind(orgId, ...chunk)
      .all<QrCodeRow>();
    for (const row of results) found.set(row.id, toQrCode(row));
  }
  return found;
}

/**
 * The code behind a short link, for serving it (the link store, KV sync and repair): only a code of
 * an active organization is one, so a deactivated or deleted organization's links answer 404 and
 * any KV copy of them is removed by whatever reconciles it.
 */
export async function findCodeByShortToken(db: D1Database, token: string): Promise<QrCodeRecord | null> {
  const row = await db
    .prepare("SELECT c.* FROM qr_codes AS c JOIN organizations AS o ON o.id = c.org_id AND o.status = 'active' WHERE c.short_token = ?1")
    .bind(token)
    .first<QrCodeRow>();
  return row ? toQrCode(row) : null;
}

/** Which of an organization's codes a listing or an export covers. */
export interface CodeFilter {
  type?: QrCodeType;
  search?: string;
  /** Normalised tags; a code must carry every one. */
  tags?: readonly string[];
}

export interface CodeListQuery extends CodeFilter {
  order: "asc" | "desc";
  limit: number;
  offset: number;
}

/** LIKE wildcards in a search term are literal characters for the person searching. */
const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** The WHERE clause (and its binds, in order) of the organization's codes that `query` selects. */
function codeFilterSql(orgId: string, query: CodeFilter): { filter: string; binds: unknown[] } {
  const where = ["org_id = ?"];
  const binds: unknown[] = [orgId];
  if (query.type) {
    where.push("type = ?");
    binds.push(query.type);
  }
  if (query.search) {
    where.push("name LIKE ? ESCAPE '\\'");
    binds.push(likePattern(query.search));
  }
  if (query.tags && query.tags.length > 0) {
    const tagged = hasAllTagsCondition(orgId, query.tags);
    where.push(tagged.sql);
    binds.push(...tagged.binds);
  }
  return { filter: where.join(" AND "), binds };
}

/** One page and the total, in one round trip. Ids sort by creation time, so order is an index walk. */
export async function listCodes(db: D1Database, orgId: string, query: CodeListQuery): Promise<{ items: QrCodeRecord[]; total: number }> {
  const { filter, binds } = codeFilterSql(orgId, query);
  const direction = query.order === "asc" ? "ASC" : "DESC";
  const [page, count] = await db.batch([
    db.prepare(`SELECT * FROM qr_codes WHERE ${filter} ORDER BY id ${direction} LIMIT ? OFFSET ?`).bind(...binds, query.limit, query.offset),
    db.prepare(`SELECT COUNT(*) AS total FROM qr_codes WHERE ${filter}`).bind(...binds),
  ]);
  return { items: (page!.results as QrCodeRow[]).map(toQrCode), total: (count!.results[0] as { total: number }).total };
}

/**
 * The next `limit` codes of a filtered walk after the code `afterId` (null: from the start), in id
 * order: keyset paging, so an export reads every code once however many there are and whatever is
 * written meanwhile, and each page is an index seek rather than an OFFSET re-read.
 */
export async function listCodesAfter(
  db: D1Database,
  orgId: string,
  query: CodeFilter & { order: "asc" | "desc" },
  afterId: string | null,
  limit: number,
): Promise<QrCodeRecord[]> {
  const { filter, binds } = codeFilterSql(orgId, query);
  const direction = query.order === "asc" ? "ASC" : "DESC";
  const after = afterId === null ? "" : query.order === "asc" ? " AND id > ?" : " AND id < ?";
  const { results } = await db
    .prepare(`SELECT * FROM qr_codes WHERE ${filter}${after} ORDER BY id ${direction} LIMIT ?`)
    .bind(...binds, ...(afterId === null ? [] : [afterId]), limit)
    .all<QrCodeRow>();
  return results.map(toQrCode);
}

// Redirect sync markers

/** `marker` comes from syncMarker(): its time for the cron's grace period, its random part to tell writers apart. */
export function queueRedirectSyncStatement(db: D1Database, token: string, marker: string): D1PreparedStatement {
  return db
    .prepare("INSERT INTO redirect_sync (token, queued_at) VALUES (?1, ?2) ON CONFLICT (token) DO UPDATE SET queued_at = excluded.queued_at, attempts = 0")
    .bind(token, marker);
}

/** Clears a marker once KV confirmed the change, unless a later change queued it again meanwhile; how many were cleared (0 or 1). */
export function clearRedirectSyncStatement(db: D1Database, token: string, marker: string): D1PreparedStatement {
  return db.prepare("DELETE FROM redirect_sync WHERE token = ?1 AND queued_at = ?2").bind(token, marker);
}

export async function clearRedirectSync(db: D1Database, token: string, marker: string): Promise<number> {
  return (await clearRedirectSyncStatement(db, token, marker).run()).meta.changes;
}

export async function listPendingRedirectSyncs(db: D1Database, queuedBefore: string, limit: number): Promise<{ token: string; queuedAt: string; attempts: number }[]> {
  const { results } = await db
    .prepare("SELECT token, queued_at, attempts FROM redirect_sync WHERE queued_at < ?1 ORDER BY queued_at LIMIT ?2")
    .bind(queuedBefore, limit)
    .all<{ token: string; queued_at: string; attempts: number }>();
  return results.map((r) => ({ token: r.token, queuedAt: r.queued_at, attempts: r.attempts }));
}

export async function countRedirectSyncAttempt(db: D1Database, token: string): Promise<void> {
  await db.prepare("UPDATE redirect_sync SET attempts = attempts + 1 WHERE token = ?1").bind(token).run();
}

// Idempotency keys

export interface IdempotentResponse {
  requestHash: string;
  codeId: string;
  response: string;
}

export async function findIdempotentResponse(db: D1Database, orgId: string, key: string): Promise<IdempotentResponse | null> {
  const row = await db
    .prepare("SELECT request_hash, code_id, response FROM idempotency_keys WHERE org_id = ?1 AND key = ?2")
    .bind(orgId, key)
    .first<{ request_hash: string; code_id: string; response: string }>();
  return row ? { requestHash: row.request_hash, codeId: row.code_id, response: row.response } : null;
}

export function insertIdempotencyStatement(db: D1Database, orgId: string, key: string, entry: IdempotentResponse, at: string): D1PreparedStatement {
  return db
    .prepare("INSERT INTO idempotency_keys (org_id, key, request_hash, code_id, response, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
    .bind(orgId, key, entry.requestHash, entry.codeId, entry.response, at);
}

export async function deleteIdempotencyKeysBefore(db: D1Database, before: string, limit: number): Promise<number> {
  const result = await db
    .prepare("DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys WHERE created_at < ?1 LIMIT ?2)")
    .bind(before, limit)
    .run();
  return result.meta.changes;
}

/**
 * The version of the dynamic code behind each of these short tokens (a static code's kept token has
 * no KV record, nor has a code of an organization that is not active).
 */
export async function findShortTokenVersions(db: D1Database, tokens: string[], dynamicTypes: readonly QrCodeType[]): Promise<Map<string, number>> {
  // The catalog's type names: fixed identifiers, never input, so they are written into the SQL.
  const types = dynamicTypes.map((type) => `'${type}'`).join(", ");
  const found = new Map<string, number>();
  // D1 binds at most 100 parameters per statement.
  for (let i = 0; i < tokens.length; i += 100) {
    const chunk = tokens.slice(i, i + 100);
    const { results } = await db
      .prepare(
        `SELECT c.short_token, c.version FROM qr_codes AS c JOIN organizations AS o ON o.id = c.org_id AND o.status = 'active'
         WHERE c.short_token IN (${chunk.map(() => "?").join(", ")}) AND c.type IN (${types})`,
      )
      .bind(...chunk)
      .all<{ short_token: string; version: number }>();
    for (const row of results) found.set(row.short_token, row.version);
  }
  return found;
}
