import { edgeKey, hmac } from "../lib/edge-keys";
import { sha256Hex, toHex } from "../lib/hex";

/**
 * What an Idempotency-Key's row (the idempotency_keys table, 24 hours) keeps of its request, to
 * tell a retry (the same body: replayed) from a reuse of the key (another body: refused).
 *
 * A keyed hash (HMAC under an edge key, lib/edge-keys.ts), not a plain SHA-256: a body may carry a
 * code's password, and everything else in it is in the stored answer, so a plain hash would let
 * anyone reading D1 test guessed passwords at SHA-256 speed. Rows from before this (a plain
 * SHA-256 of the same text) still match until they expire, so a retry across the upgrade is
 * replayed, not refused. Rotating the edge secret makes the keys of the past 24 hours refuse their
 * retries (IdempotencyKeyReused), which never creates a second code.
 */
export interface RequestFingerprint {
  /** What the row stores. */
  stored: string;
  /** Whether a stored row's value is this request's. */
  matches(stored: string): boolean;
}

export async function fingerprintRequest(env: Env, text: string): Promise<RequestFingerprint> {
  const [keyed, plain] = await Promise.all([hmac(await edgeKey(env, "request-fingerprint"), text), sha256Hex(text)]);
  const stored = `hmac:${toHex(keyed)}`;
  return { stored, matches: (value) => value === stored || value === plain };
}
