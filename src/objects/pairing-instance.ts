import { DurableObject } from "cloudflare:workers";

/**
 * The live state of one pairing instance: its current QR value and expiry, how many values in a
 * row went unscanned, its phone codes and whether a device is linked. One object per instance
 * (idFromName(instanceId)) runs one call at a time, and every method reads and writes SQLite
 * synchronously before its first await, so a check and the write that follows it can never
 * interleave with another call: of any number of racing confirmations exactly one connects.
 *
 * Values and codes are checked against their expiry on every read (KV could not expire keys in
 * under 60 seconds; here expiry is exact). An alarm removes them a minute after they expire; the
 * cron's sweep is the backstop.
 */

/** A QR value lives this long (the contract: WhatsApp replaces its code every 20 seconds). */
export const VALUE_TTL_MS = 20_000;
/** A phone code lives longer: a person reads it off one screen and types it on another. */
export const PHONE_CODE_TTL_MS = 120_000;
/** Wrong codes presented for one phone before its code is burnt. */
export const PHONE_CODE_MAX_FAILURES = 5;
/** Pending phone codes per instance (one per phone number); the oldest goes first. */
const MAX_PHONE_CODES = 5;
/** Expired values and codes stay this long so a late confirmation hears "expired", not "unknown". */
export const EXPIRED_GRACE_MS = 60_000;
/** 8 characters from 32 symbols without look-alikes (no 0/O, 1/I): 40 bits. */
export const PHONE_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const VALUE_RANDOM_BYTES = 24; // 192 bits

export type QrAnswer = { kind: "connected" } | { kind: "paused"; rotations: number } | { kind: "value"; value: string; expiresAt: number };
export type PhoneCodeAnswer = { kind: "connected" } | { kind: "code"; code: string; expiresAt: number; fresh: boolean };
export type ConfirmAnswer =
  | { kind: "invalid" }
  | { kind: "expired" }
  | { kind: "used" }
  | { kind: "connected"; sessionId: string; connectedAt: number; deviceName: string };
export interface InstanceStatus {
  connected: boolean;
  deviceName: string | null;
  connectedAt: number | null;
}

type StateRow = {
  value: string | null;
  /** The value this one replaced: a late confirmation of it hears "expired", not "unknown". */
  prev_value: string | null;
  value_expires: number | null;
  value_used: number;
  issued: number;
  connected: number;
  device_name: string | null;
  session_id: string | null;
  connected_at: number | null;
};
type PhoneCodeRow = {
  phone: string;
  code: string;
  expires: number;
  failures: number;
  used: number;
};

const EMPTY_STATE: StateRow = {
  value: null,
  prev_value: null,
  value_expires: null,
  value_used: 0,
  issued: 0,
  connected: 0,
  device_name: null,
  session_id: null,
  connected_at: null,
};

/** Expiry on a whole second (so `Expires` and `expiresAt` state it exactly), never later than the lifetime. */
const expiryAfter = (now: number, ttl: number) => Math.floor((now + ttl) / 1000) * 1000;

function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A fresh QR value: the instance id (so a confirmation finds its object) and 192 random bits. */
export const newPairingValue = (instanceId: string): string =>
  `${instanceId}.${base64url(crypto.getRandomValues(new Uint8Array(VALUE_RANDOM_BYTES)))}`;

/** 32 symbols, so `byte & 31` is unbiased. */
export function newPhoneCode(): string {
  let code = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(8))) code += PHONE_CODE_ALPHABET[byte & 31];
  return code;
}

/** Constant-time text equality (inputs of a fixed, public length: values and codes). */
function sameText(a: string, b: string): boolean {
  const encoder = new TextEncoder();
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  if (x.length !== y.length) return false;
  return crypto.subtle.timingSafeEqual(x, y);
}

/** The live state of one pairing instance (one object per instance id). */
export function pairingInstanceOf(env: Pick<Env, "PAIRING_INSTANCE">, instanceId: string): DurableObjectStub<PairingInstance> {
  return env.PAIRING_INSTANCE.get(env.PAIRING_INSTANCE.idFromName(instanceId));
}

export class PairingInstance extends DurableObject<Env> {
  /**
   * Added to Date.now(). Only tests change it, through runInDurableObject (a field is not reachable
   * over RPC, and no code path of the Worker writes it), to move an instance through time.
   */
  clockOffsetMs = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.createTables();
  }

  /** Also after deleteAll(), which drops the tables of a live object. */
  private createTables(): void {
    const ctx = this.ctx;
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      value TEXT, prev_value TEXT, value_expires INTEGER, value_used INTEGER NOT NULL DEFAULT 0,
      issued INTEGER NOT NULL DEFAULT 0,
      connected INTEGER NOT NULL DEFAULT 0, device_name TEXT, session_id TEXT, connected_at INTEGER)`);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS phone_codes (
      phone TEXT PRIMARY KEY, code TEXT NOT NULL, expires INTEGER NOT NULL,
      failures INTEGER NOT NULL DEFAULT 0, used INTEGER NOT NULL DEFAULT 0)`);
  }

  private now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  private state(): StateRow {
    return this.ctx.storage.sql.exec<StateRow>("SELECT * FROM state WHERE id = 1").toArray()[0] ?? EMPTY_STATE;
  }

  private save(s: StateRow): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO state (id, value, value_expires, value_used, issued, connected, device_name, session_id, connected_at, prev_value)
       VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
       ON CONFLICT (id) DO UPDATE SET value = excluded.value, prev_value = excluded.prev_value, value_expires = excluded.value_expires, value_used = excluded.value_used,
         issued = excluded.issued, connected = excluded.connected, device_name = excluded.device_name,
         session_id = excluded.session_id, connected_at = excluded.connected_at`,
      s.value,
      s.value_expires,
      s.value_used,
      s.issued,
      s.connected,
      s.device_name,
      s.session_id,
      s.connected_at,
      s.prev_value,
    );
  }

  /** Wakes the object after `at` (plus the grace) to remove what expired, unless an earlier alarm is set. */
  private async cleanupAt(at: number): Promise<void> {
    // Alarms run on the real clock; `at` is on this object's (the same one outside tests).
    const wanted = at + EXPIRED_GRACE_MS - this.clockOffsetMs;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > wanted) await this.ctx.storage.setAlarm(wanted);
  }

  /**
   * The current QR value; a new one once it has expired, unless `pauseAfter` values in a row went
   * unscanned: then the instance is paused until restart().
   */
  async qrCode(instanceId: string, pauseAfter: number): Promise<QrAnswer> {
    const now = this.now();
    const s = this.state();
    if (s.connected) return { kind: "connected" };
    if (s.value !== null && !s.value_used && s.value_expires !== null && now < s.value_expires)
      return { kind: "value", value: s.value, expiresAt: s.value_expires };
    if (s.issued >= pauseAfter) return { kind: "paused", rotations: s.issued };
    const value = newPairingValue(instanceId);
    const expiresAt = expiryAfter(now, VALUE_TTL_MS);
    this.save({ ...s, value, prev_value: s.value_used ? null : s.value, value_expires: expiresAt, value_used: 0, issued: s.issued + 1 });
    await this.cleanupAt(expiresAt);
    return { kind: "value", value, expiresAt };
  }

  /** The phone's pending code (the same one within its life), or a new one. */
  async phoneCode(phone: string): Promise<PhoneCodeAnswer> {
    const now = this.now();
    if (this.state().connected) return { kind: "connected" };
    const sql = this.ctx.storage.sql;
    const existing = sql.exec<PhoneCodeRow>("SELECT * FROM phone_codes WHERE phone = ?1", phone).toArray()[0];
    if (existing && !existing.used && now < existing.expires) return { kind: "code", code: existing.code, expiresAt: existing.expires, fresh: false };
    sql.exec("DELETE FROM phone_codes WHERE expires <= ?1 OR phone = ?2", now, phone);
    sql.exec(
      "DELETE FROM phone_codes WHERE phone IN (SELECT phone FROM phone_codes ORDER BY expires DESC LIMIT -1 OFFSET ?1)",
      MAX_PHONE_CODES - 1,
    );
    const code = newPhoneCode();
    const expiresAt = expiryAfter(now, PHONE_CODE_TTL_MS);
    sql.exec("INSERT INTO phone_codes (phone, code, expires) VALUES (?1, ?2, ?3)", phone, code, expiresAt);
    await this.cleanupAt(expiresAt);
    return { kind: "code", code, expiresAt, fresh: true };
  }

  private link(s: StateRow, now: number, deviceName: string): ConfirmAnswer {
    const sessionId = crypto.randomUUID();
    this.save({ ...s, value_used: s.value === null ? 0 : 1, issued: 0, connected: 1, device_name: deviceName, session_id: sessionId, connected_at: now });
    return { kind: "connected", sessionId, connectedAt: now, deviceName };
  }

  /** A scanning device presents the QR value it read. */
  confirmValue(value: string, deviceName: string): ConfirmAnswer {
    const now = this.now();
    const s = this.state();
    // Only a caller holding this instance's real value learns anything about its state.
    if (s.prev_value !== null && !s.connected && sameText(value, s.prev_value)) return { kind: "expired" };
    if (s.value === null || !sameText(value, s.value)) return { kind: "invalid" };
    if (s.value_used || s.connected) return { kind: "used" };
    if (s.value_expires === null || now >= s.value_expires) return { kind: "expired" };
    return this.link(s, now, deviceName);
  }

  /** A phone presents its number and the code shown for it. */
  confirmPhoneCode(phone: string, code: string, deviceName: string): ConfirmAnswer {
    const now = this.now();
    const sql = this.ctx.storage.sql;
    const row = sql.exec<PhoneCodeRow>("SELECT * FROM phone_codes WHERE phone = ?1", phone).toArray()[0];
    if (!row) return { kind: "invalid" };
    if (!sameText(code, row.code)) {
      if (row.failures + 1 >= PHONE_CODE_MAX_FAILURES) sql.exec("DELETE FROM phone_codes WHERE phone = ?1", phone);
      else sql.exec("UPDATE phone_codes SET failures = failures + 1 WHERE phone = ?1", phone);
      return { kind: "invalid" };
    }
    const s = this.state();
    if (row.used || s.connected) return { kind: "used" };
    if (now >= row.expires) return { kind: "expired" };
    // Single use: this code is spent, and every other pending code goes with the link.
    sql.exec("DELETE FROM phone_codes WHERE phone <> ?1", phone);
    sql.exec("UPDATE phone_codes SET used = 1 WHERE phone = ?1", phone);
    return this.link(s, now, deviceName);
  }

  status(): InstanceStatus {
    const s = this.state();
    return { connected: s.connected === 1, deviceName: s.connected ? s.device_name : null, connectedAt: s.connected ? s.connected_at : null };
  }

  /** Unlinks the device; the session id (for the history row) when one was linked. */
  disconnect(): { sessionId: string; disconnectedAt: number } | null {
    const now = this.now();
    const s = this.state();
    this.ctx.storage.sql.exec("DELETE FROM phone_codes");
    if (!s.connected) return null;
    this.save({ ...EMPTY_STATE });
    return { sessionId: s.session_id ?? "", disconnectedAt: now };
  }

  /** Ends a pause: the next qr-code call shows a new value, and the unscanned count starts again. */
  restart(): void {
    const s = this.state();
    this.save({ ...s, value: null, prev_value: s.value_used ? null : s.value, value_expires: null, value_used: 0, issued: 0 });
  }

  /**
   * Removes values and codes that expired more than the grace period before `at`, and the whole
   * storage of an instance left with nothing (not linked, nothing pending, not paused). Returns
   * how many things it removed.
   */
  sweep(at: number = this.now()): number {
    const sql = this.ctx.storage.sql;
    const cutoff = at - EXPIRED_GRACE_MS;
    let removed = sql.exec("DELETE FROM phone_codes WHERE expires <= ?1", cutoff).rowsWritten;
    const s = this.state();
    if (s.value !== null && !s.connected && s.value_expires !== null && s.value_expires <= cutoff) {
      this.save({ ...s, value: null, prev_value: null, value_expires: null, value_used: 0 });
      removed++;
    } else if (s.prev_value !== null && s.value_expires !== null && s.value_expires - VALUE_TTL_MS <= cutoff) {
      this.save({ ...s, prev_value: null });
      removed++;
    }
    return removed;
  }

  /** What the next alarm should wait for: the earliest expiry still held. */
  private nextExpiry(): number | null {
    const s = this.state();
    const code = this.ctx.storage.sql.exec<{ next: number | null }>("SELECT MIN(expires) AS next FROM phone_codes").toArray()[0]?.next ?? null;
    const value = s.value !== null && !s.connected ? s.value_expires : null;
    const candidates = [code, value].filter((t): t is number => t !== null);
    return candidates.length > 0 ? Math.min(...candidates) : null;
  }

  /** Deletes everything this instance holds (the instance was deleted). */
  async purge(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.createTables();
  }

  override async alarm(): Promise<void> {
    this.sweep();
    const next = this.nextExpiry();
    const s = this.state();
    if (next !== null) await this.ctx.storage.setAlarm(next + EXPIRED_GRACE_MS - this.clockOffsetMs);
    else if (!s.connected && s.issued === 0) {
      // Nothing pending, nothing linked, no pause to remember: the object keeps no storage at all.
      await this.ctx.storage.deleteAll();
      this.createTables();
    }
  }
}
