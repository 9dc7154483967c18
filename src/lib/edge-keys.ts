/**
 * HMAC keys the edge derives from a Worker secret, one per purpose (HKDF with the purpose as its
 * info, so no key says anything about another or about the secret), so that the hot paths need
 * no storage read: the visitor hash a scan carries, the pass that lets the person a limited
 * code admitted open its hosted page, a password-protected code's unlock cookie, and the
 * fingerprint an Idempotency-Key keeps of its request (codes/idempotency.ts).
 *
 * The source is `EDGE_HMAC_KEY`, or `ADMIN_TOKEN` when that is not set (every deployment with an
 * admin API has one). Rotating the source splits that day's unique counts in two and ends open
 * page passes (they last minutes); nothing else depends on it.
 */

export type EdgeKeyPurpose = "visitor" | "page-pass" | "code-unlock" | "request-fingerprint";

/** Used only when neither secret is set; logged once per isolate. */
const UNCONFIGURED = "edge-qr: set EDGE_HMAC_KEY";
let warnedUnconfigured = false;

const encoder = new TextEncoder();
const derived = new Map<string, Promise<CryptoKey>>();

/**
 * Whether a Worker secret keys the edge. Without one the fallback above is public (it is in the
 * source), so nothing that grants access (a page pass) may be issued or accepted under it.
 */
export const hasEdgeSecret = (env: Env): boolean => Boolean(env.EDGE_HMAC_KEY || env.ADMIN_TOKEN);

export function edgeKey(env: Env, purpose: EdgeKeyPurpose): Promise<CryptoKey> {
  const source = env.EDGE_HMAC_KEY || env.ADMIN_TOKEN || UNCONFIGURED;
  if (source === UNCONFIGURED && !warnedUnconfigured) {
    warnedUnconfigured = true;
    console.error(JSON.stringify({ level: "warn", event: "edge_key_unconfigured", message: "neither EDGE_HMAC_KEY nor ADMIN_TOKEN is set" }));
  }
  const cacheKey = `${purpose}\n${source}`;
  let key = derived.get(cacheKey);
  if (!key) {
    key = (async () => {
      const material = await crypto.subtle.importKey("raw", encoder.encode(source), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(`edge-qr ${purpose} v1`) },
        material,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        ["sign", "verify"],
      );
    })();
    // A handful of purposes and (across a rotation) sources: never more than a few entries.
    if (derived.size > 8) derived.clear();
    derived.set(cacheKey, key);
  }
  return key;
}

export async function hmac(key: CryptoKey, text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text)));
}
