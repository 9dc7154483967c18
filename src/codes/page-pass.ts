import { edgeKey, hasEdgeSecret } from "../lib/edge-keys";
import { fromHex, toHex } from "../lib/hex";

/**
 * A limited code's scan budget guards its hosted page too, not only its short link: the person
 * whose scan the redirect admitted gets a pass (a cookie scoped to `/p/{token}`, signed with an
 * edge key, valid PAGE_PASS_TTL_SECONDS), and after the budget is spent the page, its .ics and
 * its .vcf open only with one. Nothing is stored: the pass is an expiry and an HMAC of it with the
 * token, checked in constant time by WebCrypto's verify. With no Worker secret set there is no
 * pass at all (the fallback key is public): after the budget is spent the page opens for nobody.
 */

export const PAGE_PASS_COOKIE = "qr_pass";
export const PAGE_PASS_TTL_SECONDS = 600;

const encoder = new TextEncoder();
const signed = (token: string, expires: number) => encoder.encode(`${token}.${expires}`);

export async function issuePagePass(env: Env, token: string, now = Date.now()): Promise<string | null> {
  if (!hasEdgeSecret(env)) return null;
  const expires = Math.floor(now / 1000) + PAGE_PASS_TTL_SECONDS;
  const signature = await crypto.subtle.sign("HMAC", await edgeKey(env, "page-pass"), signed(token, expires));
  return `${expires}.${toHex(new Uint8Array(signature))}`;
}

export async function isValidPagePass(env: Env, token: string, value: string | undefined, now = Date.now()): Promise<boolean> {
  const match = /^(\d{1,12})\.([0-9a-f]{64})$/.exec(value ?? "");
  if (!match || !hasEdgeSecret(env)) return false;
  const expires = Number(match[1]);
  if (expires * 1000 <= now) return false;
  return crypto.subtle.verify("HMAC", await edgeKey(env, "page-pass"), fromHex(match[2]!), signed(token, expires));
}
