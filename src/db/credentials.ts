import { returned, runReturning } from "./returning";
import { isoNow } from "../lib/time";

// Users and the credentials under every contract: users' api_keys, developer keys, bearer API keys.
// Named SQL per operation, with row mappers; handlers never see column names. Secrets arrive
// already hashed (minting and hashing live in src/auth): this module stores digests, never secrets.
//
// Inserts come in two forms: `insertX(db, …)` runs at once and returns the record; `insertXStatement`
// returns the D1PreparedStatement (with RETURNING) for a caller that writes several rows in one
// db.batch(), which D1 runs as a single transaction; `readX(result)` maps that statement's result.

export type UserStatus = "active" | "inactive";
export interface User {
  id: string;
  orgId: string;
  memberId: string | null;
  name: string;
  email: string | null;
  status: UserStatus;
  apiKeyPrefix: string;
  createdAt: string;
  updatedAt: string;
}
interface UserRow {
  id: string;
  org_id: string;
  member_id: string | null;
  name: string;
  email: string | null;
  status: UserStatus;
  api_key_prefix: string;
  created_at: string;
  updated_at: string;
}
const USER_COLUMNS = "id, org_id, member_id, name, email, status, api_key_prefix, created_at, updated_at";
const toUser = (r: UserRow): User => ({
  id: r.id,
  orgId: r.org_id,
  memberId: r.member_id,
  name: r.name,
  email: r.email,
  status: r.status,
  apiKeyPrefix: r.api_key_prefix,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export type KeyStatus = "active" | "revoked";
export interface DeveloperKey {
  id: string;
  userId: string;
  label: string | null;
  secretPrefix: string;
  allowlist: string[];
  status: KeyStatus;
  replacesId: string | null;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}
interface DeveloperKeyRow {
  id: string;
  user_id: string;
  label: string | null;
  secret_prefix: string;
  allowlist: string;
  status: KeyStatus;
  replaces_id: string | null;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}
const DEVELOPER_KEY_COLUMNS = "id, user_id, label, secret_prefix, allowlist, status, replaces_id, created_at, revoked_at, last_used_at";
const toDeveloperKey = (r: DeveloperKeyRow): DeveloperKey => ({
  id: r.id,
  userId: r.user_id,
  label: r.label,
  secretPrefix: r.secret_prefix,
  allowlist: JSON.parse(r.allowlist) as string[],
  status: r.status,
  replacesId: r.replaces_id,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
});

export type ApiKeyRole = "read-only" | "read-write";
export interface ApiKey {
  id: string;
  orgId: string;
  name: string;
  secretPrefix: string;
  role: ApiKeyRole;
  actions: string[];
  status: KeyStatus;
  expiresAt: string | null;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}
interface ApiKeyRow {
  id: string;
  org_id: string;
  name: string;
  secret_prefix: string;
  role: ApiKeyRole;
  actions: string;
  status: KeyStatus;
  expires_at: string | null;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}
const API_KEY_COLUMNS = "id, org_id, name, secret_prefix, role, actions, status, expires_at, created_at, revoked_at, last_used_at";
const toApiKey = (r: ApiKeyRow): ApiKey => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  secretPrefix: r.secret_prefix,
  role: r.role,
  actions: JSON.parse(r.actions) as string[],
  status: r.status,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
});

// Users

export interface NewUser {
  id?: string;
  name: string;
  email?: string | null;
  memberId?: string | null;
  /** SHA-256 hex digest of the user's api_key */
  apiKeyHash: string;
  apiKeyPrefix: string;
}

/** An active user. */
export function insertUserStatement(db: D1Database, orgId: string, input: NewUser): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO users (id, org_id, member_id, name, email, status, api_key_hash, api_key_prefix, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?6, ?7, ?8, ?8) RETURNING ${USER_COLUMNS}`,
    )
    .bind(input.id ?? crypto.randomUUID(), orgId, input.memberId ?? null, input.name, input.email ?? null, input.apiKeyHash, input.apiKeyPrefix, isoNow());
}

export const readUser = (result: D1Result): User => returned(result, toUser);

export function insertUser(db: D1Database, orgId: string, input: NewUser): Promise<User> {
  return runReturning(insertUserStatement(db, orgId, input), toUser);
}

export async function findUser(db: D1Database, id: string): Promise<User | null> {
  const row = await db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?1`).bind(id).first<UserRow>();
  return row ? toUser(row) : null;
}

/** Prefixes a column list with a table alias: `id, name` → `u.id, u.name`. */
const qualified = (alias: string, columns: string) => columns.split(", ").map((column) => `${alias}.${column}`).join(", ");

/**
 * The user whose api_key has this digest, with the stored digest for the constant-time check and
 * whether its organization is active (one that is not authenticates nobody).
 */
export async function findUserByApiKeyHash(db: D1Database, digest: string): Promise<{ user: User; storedHash: string; orgActive: boolean } | null> {
  const row = await db
    .prepare(`SELECT ${qualified("u", USER_COLUMNS)}, u.api_key_hash, o.status AS org_status FROM users AS u JOIN organizations AS o ON o.id = u.org_id WHERE u.api_key_hash = ?1`)
    .bind(digest)
    .first<UserRow & { api_key_hash: string; org_status: string }>();
  return row ? { user: toUser(row), storedHash: row.api_key_hash, orgActive: row.org_status === "active" } : null;
}

export async function listUsers(db: D1Database, orgId: string): Promise<User[]> {
  const { results } = await db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE org_id = ?1 ORDER BY created_at, id`).bind(orgId).all<UserRow>();
  return results.map(toUser);
}

/** Removes a user; its developer keys go with it (ON DELETE CASCADE). False when there was none. */
export async function deleteUser(db: D1Database, id: string): Promise<boolean> {
  const result = await db.prepare("DELETE FROM users WHERE id = ?1").bind(id).run();
  return (result.meta.changes ?? 0) > 0;
}

export async function setUserStatus(db: D1Database, id: string, status: UserStatus): Promise<User | null> {
  const row = await db
    .prepare(`UPDATE users SET status = ?2, updated_at = ?3 WHERE id = ?1 RETURNING ${USER_COLUMNS}`)
    .bind(id, status, isoNow())
    .first<UserRow>();
  return row ? toUser(row) : null;
}

/** Replaces a user's api_key digest; the old key stops working at once. */
export async function rotateUserApiKey(db: D1Database, id: string, input: { apiKeyHash: string; apiKeyPrefix: string }): Promise<User | null> {
  const row = await db
    .prepare(`UPDATE users SET api_key_hash = ?2, api_key_prefix = ?3, updated_at = ?4 WHERE id = ?1 RETURNING ${USER_COLUMNS}`)
    .bind(id, input.apiKeyHash, input.apiKeyPrefix, isoNow())
    .first<UserRow>();
  return row ? toUser(row) : null;
}

// Developer keys

export interface NewDeveloperKey {
  id?: string;
  label?: string | null;
  allowlist: string[];
  replacesId?: string | null;
  /** SHA-256 hex digest of the developer_secret */
  secretHash: string;
  secretPrefix: string;
}

export function insertDeveloperKeyStatement(db: D1Database, userId: string, input: NewDeveloperKey): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO developer_keys (id, user_id, label, secret_hash, secret_prefix, allowlist, status, replaces_id, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?8) RETURNING ${DEVELOPER_KEY_COLUMNS}`,
    )
    .bind(input.id ?? crypto.randomUUID(), userId, input.label ?? null, input.secretHash, input.secretPrefix, JSON.stringify(input.allowlist), input.replacesId ?? null, isoNow());
}

export const readDeveloperKey = (result: D1Result): DeveloperKey => returned(result, toDeveloperKey);

export function insertDeveloperKey(db: D1Database, userId: string, input: NewDeveloperKey): Promise<DeveloperKey> {
  return runReturning(insertDeveloperKeyStatement(db, userId, input), toDeveloperKey);
}

/** Ids of the keys still active that were issued to replace `id`. */
export async function listActiveSuccessorIds(db: D1Database, id: string): Promise<string[]> {
  const { results } = await db.prepare("SELECT id FROM developer_keys WHERE replaces_id = ?1 AND status = 'active'").bind(id).all<{ id: string }>();
  return results.map((r) => r.id);
}

/**
 * Reissues key `id` in one batch (one D1 transaction): inserts its replacement (same user, label
 * and allowlist, read inside the statement) only while the key is active, and revokes the key only
 * when the insert happened. A revoked key is never reissued: that would bring back access someone
 * took away. So of two concurrent reissues one wins and the other changes nothing, and a key has
 * at most one successor. Null when the key is gone, revoked, or another reissue got there first.
 */
export async function reissueDeveloperKey(db: D1Database, id: string, input: { secretHash: string; secretPrefix: string }): Promise<DeveloperKey | null> {
  const newId = crypto.randomUUID();
  const now = isoNow();
  const [inserted] = await db.batch([
    db
      .prepare(
        `INSERT INTO developer_keys (id, user_id, label, secret_hash, secret_prefix, allowlist, status, replaces_id, created_at)
         SELECT ?1, user_id, label, ?3, ?4, allowlist, 'active', id, ?5 FROM developer_keys WHERE id = ?2 AND status = 'active'
         RETURNING ${DEVELOPER_KEY_COLUMNS}`,
      )
      .bind(newId, id, input.secretHash, input.secretPrefix, now),
    db
      .prepare("UPDATE developer_keys SET status = 'revoked', revoked_at = ?3 WHERE id = ?1 AND status = 'active' AND EXISTS (SELECT 1 FROM developer_keys WHERE id = ?2)")
      .bind(id, newId, now),
  ]);
  return inserted!.results.length > 0 ? readDeveloperKey(inserted!) : null;
}

export async function findDeveloperKey(db: D1Database, id: string): Promise<DeveloperKey | null> {
  const row = await db.prepare(`SELECT ${DEVELOPER_KEY_COLUMNS} FROM developer_keys WHERE id = ?1`).bind(id).first<DeveloperKeyRow>();
  return row ? toDeveloperKey(row) : null;
}

export async function findDeveloperKeyByHash(db: D1Database, digest: string): Promise<{ key: DeveloperKey; storedHash: string } | null> {
  const row = await db
    .prepare(`SELECT ${DEVELOPER_KEY_COLUMNS}, secret_hash FROM developer_keys WHERE secret_hash = ?1`)
    .bind(digest)
    .first<DeveloperKeyRow & { secret_hash: string }>();
  return row ? { key: toDeveloperKey(row), storedHash: row.secret_hash } : null;
}

export async function listDeveloperKeys(db: D1Database, userId: string): Promise<DeveloperKey[]> {
  const { results } = await db
    .prepare(`SELECT ${DEVELOPER_KEY_COLUMNS} FROM developer_keys WHERE user_id = ?1 ORDER BY created_at, id`)
    .bind(userId)
    .all<DeveloperKeyRow>();
  return results.map(toDeveloperKey);
}

export async function setDeveloperKeyAllowlist(db: D1Database, id: string, allowlist: string[]): Promise<DeveloperKey | null> {
  const row = await db
    .prepare(`UPDATE developer_keys SET allowlist = ?2 WHERE id = ?1 RETURNING ${DEVELOPER_KEY_COLUMNS}`)
    .bind(id, JSON.stringify(allowlist))
    .first<DeveloperKeyRow>();
  return row ? toDeveloperKey(row) : null;
}

export async function revokeDeveloperKey(db: D1Database, id: string): Promise<DeveloperKey | null> {
  const row = await db
    .prepare(`UPDATE developer_keys SET status = 'revoked', revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1 RETURNING ${DEVELOPER_KEY_COLUMNS}`)
    .bind(id, isoNow())
    .first<DeveloperKeyRow>();
  return row ? toDeveloperKey(row) : null;
}

/** Records use without a write per request: only when the stored time is older than `staleBefore`. */
export async function touchDeveloperKey(db: D1Database, id: string, staleBefore: string): Promise<void> {
  await db.prepare("UPDATE developer_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?3)").bind(id, isoNow(), staleBefore).run();
}

// Bearer API keys

export interface NewApiKey {
  id?: string;
  name: string;
  role: ApiKeyRole;
  actions: string[];
  expiresAt?: string | null;
  /** SHA-256 hex digest of the bearer key */
  secretHash: string;
  secretPrefix: string;
}

export function insertApiKeyStatement(db: D1Database, orgId: string, input: NewApiKey): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO api_keys (id, org_id, name, secret_hash, secret_prefix, role, actions, status, expires_at, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'active', ?8, ?9) RETURNING ${API_KEY_COLUMNS}`,
    )
    .bind(input.id ?? crypto.randomUUID(), orgId, input.name, input.secretHash, input.secretPrefix, input.role, JSON.stringify(input.actions), input.expiresAt ?? null, isoNow());
}

export const readApiKey = (result: D1Result): ApiKey => returned(result, toApiKey);

export function insertApiKey(db: D1Database, orgId: string, input: NewApiKey): Promise<ApiKey> {
  return runReturning(insertApiKeyStatement(db, orgId, input), toApiKey);
}

/** The key with this digest, its stored digest, and whether its organization is active. */
export async function findApiKeyByHash(db: D1Database, digest: string): Promise<{ key: ApiKey; storedHash: string; orgActive: boolean } | null> {
  const row = await db
    .prepare(`SELECT ${qualified("k", API_KEY_COLUMNS)}, k.secret_hash, o.status AS org_status FROM api_keys AS k JOIN organizations AS o ON o.id = k.org_id WHERE k.secret_hash = ?1`)
    .bind(digest)
    .first<ApiKeyRow & { secret_hash: string; org_status: string }>();
  return row ? { key: toApiKey(row), storedHash: row.secret_hash, orgActive: row.org_status === "active" } : null;
}

export async function findApiKey(db: D1Database, id: string): Promise<ApiKey | null> {
  const row = await db.prepare(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE id = ?1`).bind(id).first<ApiKeyRow>();
  return row ? toApiKey(row) : null;
}

export async function listApiKeys(db: D1Database, orgId: string): Promise<ApiKey[]> {
  const { results } = await db.prepare(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE org_id = ?1 ORDER BY created_at, id`).bind(orgId).all<ApiKeyRow>();
  return results.map(toApiKey);
}

export async function revokeApiKey(db: D1Database, id: string): Promise<ApiKey | null> {
  const row = await db
    .prepare(`UPDATE api_keys SET status = 'revoked', revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1 RETURNING ${API_KEY_COLUMNS}`)
    .bind(id, isoNow())
    .first<ApiKeyRow>();
  return row ? toApiKey(row) : null;
}

/** Records use without a write per request: only when the stored time is older than `staleBefore`. */
export async function touchApiKey(db: D1Database, id: string, staleBefore: string): Promise<void> {
  await db.prepare("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?3)").bind(id, isoNow(), staleBefore).run();
}
