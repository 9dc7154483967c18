import { isoNow } from "../lib/time";

// Named SQL for AccessKey pairs. The secret arrives already encrypted (src/auth/access-keys.ts):
// this module stores and returns ciphertext, never a secret.

export type AccessKeyStatus = "active" | "disabled";

export interface AccessKey {
  id: string;
  orgId: string;
  name: string;
  secretPrefix: string;
  actions: string[];
  status: AccessKeyStatus;
  createdAt: string;
  lastUsedAt: string | null;
}

interface AccessKeyRow {
  id: string;
  org_id: string;
  name: string;
  secret_prefix: string;
  actions: string;
  status: AccessKeyStatus;
  created_at: string;
  last_used_at: string | null;
}

const COLUMNS = "id, org_id, name, secret_prefix, actions, status, created_at, last_used_at";

const toAccessKey = (r: AccessKeyRow): AccessKey => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  secretPrefix: r.secret_prefix,
  actions: JSON.parse(r.actions) as string[],
  status: r.status,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

export interface NewAccessKey {
  id: string;
  name: string;
  actions: string[];
  secretCiphertext: string;
  secretPrefix: string;
}

export function insertAccessKeyStatement(db: D1Database, orgId: string, input: NewAccessKey): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO access_keys (id, org_id, name, secret_ciphertext, secret_prefix, actions, status, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7) RETURNING ${COLUMNS}`,
    )
    .bind(input.id, orgId, input.name, input.secretCiphertext, input.secretPrefix, JSON.stringify(input.actions), isoNow());
}

export function readAccessKey(result: D1Result): AccessKey {
  const row = result.results[0] as AccessKeyRow | undefined;
  if (!row) throw new Error("The statement returned no row");
  return toAccessKey(row);
}

export async function insertAccessKey(db: D1Database, orgId: string, input: NewAccessKey): Promise<AccessKey> {
  const row = await insertAccessKeyStatement(db, orgId, input).first<AccessKeyRow>();
  if (!row) throw new Error("The statement returned no row");
  return toAccessKey(row);
}

/** The key and its sealed secret, for the signature check, and whether its organization is active. */
export async function findAccessKeyWithSecret(db: D1Database, id: string): Promise<{ key: AccessKey; secretCiphertext: string; orgActive: boolean } | null> {
  const columns = COLUMNS.split(", ").map((column) => `k.${column}`).join(", ");
  const row = await db
    .prepare(`SELECT ${columns}, k.secret_ciphertext, o.status AS org_status FROM access_keys AS k JOIN organizations AS o ON o.id = k.org_id WHERE k.id = ?1`)
    .bind(id)
    .first<AccessKeyRow & { secret_ciphertext: string; org_status: string }>();
  return row ? { key: toAccessKey(row), secretCiphertext: row.secret_ciphertext, orgActive: row.org_status === "active" } : null;
}

export async function findAccessKey(db: D1Database, id: string): Promise<AccessKey | null> {
  const row = await db.prepare(`SELECT ${COLUMNS} FROM access_keys WHERE id = ?1`).bind(id).first<AccessKeyRow>();
  return row ? toAccessKey(row) : null;
}

export async function listAccessKeys(db: D1Database, orgId: string): Promise<AccessKey[]> {
  const { results } = await db.prepare(`SELECT ${COLUMNS} FROM access_keys WHERE org_id = ?1 ORDER BY created_at, id`).bind(orgId).all<AccessKeyRow>();
  return results.map(toAccessKey);
}

export async function setAccessKeyStatus(db: D1Database, id: string, status: AccessKeyStatus): Promise<AccessKey | null> {
  const row = await db.prepare(`UPDATE access_keys SET status = ?2 WHERE id = ?1 RETURNING ${COLUMNS}`).bind(id, status).first<AccessKeyRow>();
  return row ? toAccessKey(row) : null;
}

export async function deleteAccessKey(db: D1Database, id: string): Promise<boolean> {
  const row = await db.prepare("DELETE FROM access_keys WHERE id = ?1 RETURNING id").bind(id).first();
  return row !== null;
}

/** Records use without a write per request: only when the stored time is older than `staleBefore`. */
export async function touchAccessKey(db: D1Database, id: string, staleBefore: string): Promise<void> {
  await db.prepare("UPDATE access_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?3)").bind(id, isoNow(), staleBefore).run();
}

/** Every sealed secret, for re-encryption under a new key (a rotation). */
export async function listSealedSecrets(db: D1Database): Promise<{ id: string; secretCiphertext: string }[]> {
  const { results } = await db.prepare("SELECT id, secret_ciphertext FROM access_keys ORDER BY id").all<{ id: string; secret_ciphertext: string }>();
  return results.map((r) => ({ id: r.id, secretCiphertext: r.secret_ciphertext }));
}

/** Replaces one sealed secret, only if it is still the one that was read (a concurrent rotation wins once). */
export function resealSecretStatement(db: D1Database, id: string, from: string, to: string): D1PreparedStatement {
  return db.prepare("UPDATE access_keys SET secret_ciphertext = ?3 WHERE id = ?1 AND secret_ciphertext = ?2").bind(id, from, to);
}
