import { edgeKey, hmac } from "../lib/edge-keys";
import { randomHex, toHex } from "../lib/hex";

/**
 * Unique visitors without keeping an address, in two steps so that the redirect needs nothing
 * but the queue:
 *
 * 1. At the edge, `edgeVisitorKey`: HMAC(key, day ‖ IP ‖ user agent) under a key derived from a
 *    Worker secret (lib/edge-keys.ts). No storage is read, so a scan is recorded even while D1 is
 *    down. The raw address never leaves the request; the queue carries only this keyed hash,
 *    which also changes every day.
 * 2. In the queue consumer, `storedVisitor`: HMAC(daily salt, edge key), with the day's random salt
 *    from D1 (created the first time any consumer needs it). Only this is stored. The cron deletes
 *    salts after two days, after which no stored value can be tied to an address again, not even
 *    by someone holding the Worker's secrets (the approach Plausible made standard).
 *
 * Same person, same day: the same value, so unique counts are exact per day; across days values
 * never match.
 */

const encoder = new TextEncoder();

async function hmacHex(key: CryptoKey, text: string, bytes: number): Promise<string> {
  return toHex((await hmac(key, text)).subarray(0, bytes));
}

/** Step 1, at the edge: no I/O. */
export async function edgeVisitorKey(env: Env, day: string, ip: string, agent: string): Promise<string> {
  return hmacHex(await edgeKey(env, "visitor"), `${day}\n${ip}\n${agent}`, 32);
}

const salts = new Map<string, Promise<CryptoKey>>();

/** The HMAC key of a day's salt: stored in D1 the first time any consumer needs it, then kept in memory. */
async function dailySaltKey(db: D1Database, day: string): Promise<CryptoKey> {
  let key = salts.get(day);
  if (!key) {
    key = (async () => {
      const [, row] = await db.batch<{ salt: string }>([
        db.prepare("INSERT OR IGNORE INTO visitor_salts (day, salt) VALUES (?1, ?2)").bind(day, randomHex(32)),
        db.prepare("SELECT salt FROM visitor_salts WHERE day = ?1").bind(day),
      ]);
      return crypto.subtle.importKey("raw", encoder.encode(row!.results[0]!.salt), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    })();
    key.catch(() => salts.delete(day));
    if (salts.size > 4) salts.delete(salts.keys().next().value!);
    salts.set(day, key);
  }
  return key;
}

/** Step 2, in the consumer: the value stored in scan_events.visitor. Throws when D1 cannot give the salt. */
export async function storedVisitor(db: D1Database, day: string, edgeKey: string): Promise<string> {
  return hmacHex(await dailySaltKey(db, day), edgeKey, 16);
}
