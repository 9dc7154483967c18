import { isoNow } from "../lib/time";
import { sha256Hex } from "../lib/hex";

// Named SQL for device pairing: instances, the organization's Client-Token, connection history and
// the phone-code routing index. Tokens arrive already hashed; this module never sees a secret.

/** An instance as D1 stores it (its live state is the PairingInstance Durable Object's). */
export interface PairingInstanceRecord {
  id: string;
  orgId: string;
  name: string;
  tokenPrefix: string;
  pauseAfter: number;
  createdAt: string;
}
interface PairingInstanceRow {
  id: string;
  org_id: string;
  name: string;
  token_hash: string;
  token_prefix: string;
  pause_after: number;
  created_at: string;
  deleted_at: string | null;
}
const INSTANCE_COLUMNS = "id, org_id, name, token_hash, token_prefix, pause_after, created_at, deleted_at";
const toInstance = (r: PairingInstanceRow): PairingInstanceRecord => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  tokenPrefix: r.token_prefix,
  pauseAfter: r.pause_after,
  createdAt: r.created_at,
});

export interface ClientToken {
  orgId: string;
  tokenPrefix: string;
  createdAt: string;
}
interface ClientTokenRow {
  org_id: string;
  token_hash: string;
  token_prefix: string;
  created_at: string;
}
const toClientToken = (r: ClientTokenRow): ClientToken => ({ orgId: r.org_id, tokenPrefix: r.token_prefix, createdAt: r.created_at });

export interface PairingConnection {
  id: string;
  instanceId: string;
  deviceName: string;
  method: "qr" | "phone";
  phone: string | null;
  connectedAt: string;
  disconnectedAt: string | null;
}
interface PairingConnectionRow {
  id: string;
  instance_id: string;
  device_name: string;
  method: "qr" | "phone";
  phone: string | null;
  connected_at: string;
  disconnected_at: string | null;
}
const toConnection = (r: PairingConnectionRow): PairingConnection => ({
  id: r.id,
  instanceId: r.instance_id,
  deviceName: r.device_name,
  method: r.method,
  phone: r.phone,
  connectedAt: r.connected_at,
  disconnectedAt: r.disconnected_at,
});

/** 32 uppercase hex characters (128 random bits), the shape of the contract's instance ids. */
export const newInstanceId = (): string => crypto.randomUUID().replace(/-/g, "").toUpperCase();
export const INSTANCE_ID_PATTERN = /^[0-9A-F]{32}$/;

// Instances

export interface NewPairingInstance {
  id?: string;
  name: string;
  tokenHash: string;
  tokenPrefix: string;
  pauseAfter: number;
}

export function insertPairingInstanceStatement(db: D1Database, orgId: string, input: NewPairingInstance): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO pairing_instances (id, org_id, name, token_hash, token_prefix, pause_after, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING ${INSTANCE_COLUMNS}`,
    )
    .bind(input.id ?? newInstanceId(), orgId, input.name, input.tokenHash, input.tokenPrefix, input.pauseAfter, isoNow());
}

export function readPairingInstance(result: D1Result): PairingInstanceRecord {
  const row = result.results[0] as PairingInstanceRow | undefined;
  if (row === undefined) throw new Error("The statement returned no row");
  return toInstance(row);
}

export async function insertPairingInstance(db: D1Database, orgId: string, input: NewPairingInstance): Promise<PairingInstanceRecord> {
  const row = await insertPairingInstanceStatement(db, orgId, input).first<PairingInstanceRow>();
  if (row === null) throw new Error("The statement returned no row");
  return toInstance(row);
}

export async function listPairingInstances(db: D1Database, orgId: string): Promise<PairingInstanceRecord[]> {
  const { results } = await db
    .prepare(`SELECT ${INSTANCE_COLUMNS} FROM pairing_instances WHERE org_id = ?1 AND deleted_at IS NULL ORDER BY created_at, rowid`)
    .bind(orgId)
    .all<PairingInstanceRow>();
  return results.map(toInstance);
}

export async function findPairingInstance(db: D1Database, id: string): Promise<PairingInstanceRecord | null> {
  const row = await db.prepare(`SELECT ${INSTANCE_COLUMNS} FROM pairing_instances WHERE id = ?1 AND deleted_at IS NULL`).bind(id).first<PairingInstanceRow>();
  return row ? toInstance(row) : null;
}

/** Marks an instance deleted (its calls answer 404 at once); pairing/instances.ts purgeInstance wipes its Durable Object and the row. */
export async function markPairingInstanceDeleted(db: D1Database, id: string): Promise<PairingInstanceRecord | null> {
  const row = await db
    .prepare(`UPDATE pairing_instances SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL RETURNING ${INSTANCE_COLUMNS}`)
    .bind(id, isoNow())
    .first<PairingInstanceRow>();
  return row ? toInstance(row) : null;
}

export async function listDeletedPairingInstanceIds(db: D1Database, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT id FROM pairing_instances WHERE deleted_at IS NOT NULL ORDER BY deleted_at LIMIT ?1")
    .bind(limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Live instance ids after `afterId`, in id order: the cron's sweep walks them a page per run. */
export async function listPairingInstanceIdsAfter(db: D1Database, afterId: string, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT id FROM pairing_instances WHERE id > ?1 AND deleted_at IS NULL ORDER BY id LIMIT ?2")
    .bind(afterId, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

export async function hardDeletePairingInstance(db: D1Database, id: string): Promise<void> {
  await db.prepare("DELETE FROM pairing_instances WHERE id = ?1 AND deleted_at IS NOT NULL").bind(id).run();
}

// Client-Tokens

export function upsertClientTokenStatement(db: D1Database, orgId: string, tokenHash: string, tokenPrefix: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO pairing_client_tokens (org_id, token_hash, token_prefix, created_at) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (org_id) DO UPDATE SET token_hash = excluded.token_hash, token_prefix = excluded.token_prefix, created_at = excluded.created_at
       RETURNING org_id, token_hash, token_prefix, created_at`,
    )
    .bind(orgId, tokenHash, tokenPrefix, isoNow());
}

export function readClientToken(result: D1Result): ClientToken {
  const row = result.results[0] as ClientTokenRow | undefined;
  if (row === undefined) throw new Error("The statement returned no row");
  return toClientToken(row);
}

/** Creates the organization's Client-Token, or replaces it (the old one stops working at once). */
export async function upsertClientToken(db: D1Database, orgId: string, tokenHash: string, tokenPrefix: string): Promise<ClientToken> {
  const row = await upsertClientTokenStatement(db, orgId, tokenHash, tokenPrefix).first<ClientTokenRow>();
  if (row === null) throw new Error("The statement returned no row");
  return toClientToken(row);
}

export async function findClientToken(db: D1Database, orgId: string): Promise<ClientToken | null> {
  const row = await db.prepare("SELECT * FROM pairing_client_tokens WHERE org_id = ?1").bind(orgId).first<ClientTokenRow>();
  return row ? toClientToken(row) : null;
}

/** What authenticating one pairing call needs, read in one round trip. */
export interface PairingCredentials {
  /** The organization whose Client-Token has this digest, with the stored digest and whether it is active. */
  client: { orgId: string; storedHash: string; orgActive: boolean } | null;
  /** The live instance with this id, with its stored token digest. */
  instance: (PairingInstanceRecord & { storedHash: string }) | null;
}

export async function findPairingCredentials(db: D1Database, clientTokenHash: string, instanceId: string): Promise<PairingCredentials> {
  const [client, instance] = await db.batch([
    db
      .prepare("SELECT t.org_id, t.token_hash, o.status AS org_status FROM pairing_client_tokens AS t JOIN organizations AS o ON o.id = t.org_id WHERE t.token_hash = ?1")
      .bind(clientTokenHash),
    db.prepare(`SELECT ${INSTANCE_COLUMNS} FROM pairing_instances WHERE id = ?1 AND deleted_at IS NULL`).bind(instanceId),
  ]);
  const clientRow = client!.results[0] as { org_id: string; token_hash: string; org_status: string } | undefined;
  const instanceRow = instance!.results[0] as PairingInstanceRow | undefined;
  return {
    client: clientRow ? { orgId: clientRow.org_id, storedHash: clientRow.token_hash, orgActive: clientRow.org_status === "active" } : null,
    instance: instanceRow ? { ...toInstance(instanceRow), storedHash: instanceRow.token_hash } : null,
  };
}

// Connection history

export async function insertConnection(db: D1Database, input: Omit<PairingConnection, "disconnectedAt">): Promise<void> {
  await db
    .prepare("INSERT OR IGNORE INTO pairing_connections (id, instance_id, device_name, method, phone, connected_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
    .bind(input.id, input.instanceId, input.deviceName, input.method, input.phone, input.connectedAt)
    .run();
}

export async function closeConnection(db: D1Database, id: string, disconnectedAt: string): Promise<void> {
  await db.prepare("UPDATE pairing_connections SET disconnected_at = ?2 WHERE id = ?1 AND disconnected_at IS NULL").bind(id, disconnectedAt).run();
}

export async function listConnections(db: D1Database, instanceId: string, limit = 100): Promise<PairingConnection[]> {
  const { results } = await db
    .prepare("SELECT * FROM pairing_connections WHERE instance_id = ?1 ORDER BY connected_at DESC, id LIMIT ?2")
    .bind(instanceId, limit)
    .all<PairingConnectionRow>();
  return results.map(toConnection);
}

// Phone-code routing

/** What a route stores instead of the code: SHA-256 of the number and the code together. */
export function phoneCodeDigest(phone: string, code: string): Promise<string> {
  return sha256Hex(`${phone}\n${code}`);
}

export async function upsertPhoneCodeRoute(db: D1Database, phone: string, instanceId: string, expiresAt: string, codeDigest: string): Promise<void> {
  await db
    .prepare(
      `INSERT INTO pairing_phone_codes (phone, instance_id, expires_at, code_digest) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (phone, instance_id) DO UPDATE SET expires_at = excluded.expires_at, code_digest = excluded.code_digest`,
    )
    .bind(phone, instanceId, expiresAt, codeDigest)
    .run();
}

/**
 * Instances that were given this very code for this number (the Durable Object decides whether it
 * still holds). Other instances' codes for the same number never get in the way.
 */
export async function findPhoneCodeRoutes(db: D1Database, phone: string, codeDigest: string, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT instance_id FROM pairing_phone_codes WHERE phone = ?1 AND code_digest = ?2 ORDER BY expires_at DESC LIMIT ?3")
    .bind(phone, codeDigest, limit)
    .all<{ instance_id: string }>();
  return results.map((r) => r.instance_id);
}

/** An instance's routes, but `keepPhone`'s (a spent code still answers "already used" until it expires). */
export async function deletePhoneCodeRoutes(db: D1Database, instanceId: string, keepPhone: string | null = null): Promise<void> {
  await db.prepare("DELETE FROM pairing_phone_codes WHERE instance_id = ?1 AND phone IS NOT ?2").bind(instanceId, keepPhone).run();
}

/** Routes whose code has expired (the code itself is gone from the Durable Object by then). */
export async function deleteExpiredPhoneCodeRoutes(db: D1Database, before: string, limit: number): Promise<number> {
  const result = await db
    .prepare("DELETE FROM pairing_phone_codes WHERE rowid IN (SELECT rowid FROM pairing_phone_codes WHERE expires_at <= ?1 LIMIT ?2)")
    .bind(before, limit)
    .run();
  return result.meta.changes ?? 0;
}
