import { hashPassword, verifyPassword } from "../auth/passwords";
import { CODE_PASSWORD_MAX_LENGTH } from "./smart-links";
import { edgeKey, hasEdgeSecret } from "../lib/edge-keys";
import { fromHex, toHex } from "../lib/hex";
import { orUnavailable } from "../lib/unavailable";
import { signInAddressBucket } from "../auth/address-bucket";
import { signInGateOf, type AttemptVerdict } from "../objects/sign-in-gate";

/**
 * Password-protected codes. The password is stored as a PBKDF2-SHA256 hash (auth/passwords.ts's
 * format, which names its own iteration count) in D1 and in the redirect record, so the edge
 * checks it without a storage read.
 *
 * Cost: a scan of an unlocked visitor checks one HMAC (the unlock cookie); only a submitted
 * password runs PBKDF2, at CODE_PASSWORD_ITERATIONS (about 2.5 ms of CPU: cheap enough for a free
 * plan's 10 ms, where the console's 100,000 would not be), and submissions are limited per code
 * and address (UNLOCK_FAILURE_LIMIT in 15 minutes, objects/sign-in-gate.ts). A code password
 * guards a campaign, not an account; the limit is what stands between a guesser and it.
 *
 * The unlock cookie (one per code, CODE_UNLOCK_TTL_SECONDS) is an expiry and an HMAC of it with
 * the token and a fingerprint of the stored hash, so changing or removing the password ends every
 * unlock at once. It needs a Worker secret (the fallback edge key is public): without one a
 * password cannot be set (codes/write-checks.ts refuses it).
 */

export const CODE_PASSWORD_ITERATIONS = 5_000;
export const CODE_UNLOCK_TTL_SECONDS = 3_600;
export const UNLOCK_FAILURE_LIMIT = 10;

export const hashCodePassword = (password: string): Promise<string> => hashPassword(password, CODE_PASSWORD_ITERATIONS);
export const verifyCodePassword = (password: string, stored: string): Promise<boolean> => verifyPassword(password, stored);

/** The cookie that unlocks one code: a name per token, so unlocking one code unlocks no other. */
export const unlockCookieName = (token: string) => `qr_unlock_${token}`;

const encoder = new TextEncoder();
/** The last 16 characters of the stored hash (its digest's tail): a new password, a new fingerprint. */
const signed = (token: string, stored: string, expires: number) => encoder.encode(`${token}.${stored.slice(-16)}.${expires}`);

export async function issueUnlock(env: Env, token: string, stored: string, now = Date.now()): Promise<string | null> {
  if (!hasEdgeSecret(env)) return null;
  const expires = Math.floor(now / 1000) + CODE_UNLOCK_TTL_SECONDS;
  const signature = await crypto.subtle.sign("HMAC", await edgeKey(env, "code-unlock"), signed(token, stored, expires));
  return `${expires}.${toHex(new Uint8Array(signature))}`;
}

export async function isUnlocked(env: Env, token: string, stored: string, cookie: string | undefined, now = Date.now()): Promise<boolean> {
  const match = /^(\d{1,12})\.([0-9a-f]{64})$/.exec(cookie ?? "");
  if (!match || !hasEdgeSecret(env)) return false;
  const expires = Number(match[1]);
  if (expires * 1000 <= now) return false;
  return crypto.subtle.verify("HMAC", await edgeKey(env, "code-unlock"), fromHex(match[2]!), signed(token, stored, expires));
}

export type UnlockVerdict = { unlocked: true; cookie: string } | { unlocked: false; problem: "wrong" } | { unlocked: false; problem: "limited"; retryAfterSeconds: number };

/**
 * A submitted password for a code: admitted by the code's limit for this address (a Durable
 * Object; DependencyUnavailable, a 503 page, when it cannot answer, so nobody guesses unmetered),
 * checked, and on success forgiven and answered with the unlock cookie's value.
 */
export async function unlockCode(env: Env, code: { codeId: string; token: string; passwordHash: string }, password: string, address: string | undefined): Promise<UnlockVerdict> {
  const gate = signInGateOf(env, `code-password:${code.codeId}:${signInAddressBucket(address)}`);
  const attempt = await orUnavailable("durable-object", () => gate.attempt(UNLOCK_FAILURE_LIMIT) as Promise<AttemptVerdict>);
  if (!attempt.admitted) return { unlocked: false, problem: "limited", retryAfterSeconds: Math.max(1, Math.ceil(attempt.retryAfterMs / 1000)) };
  if (password.length > CODE_PASSWORD_MAX_LENGTH || !(await verifyCodePassword(password, code.passwordHash))) return { unlocked: false, problem: "wrong" };
  const cookie = await issueUnlock(env, code.token, code.passwordHash);
  // Set only with a Worker secret (write-checks refuse a password without one); a secret removed
  // since then leaves the code locked rather than open.
  if (!cookie) throw new Error("edge-qr: a password-protected code cannot be unlocked without EDGE_HMAC_KEY or ADMIN_TOKEN");
  // A forgiveness that fails leaves one more failure counted for this address: nothing worse.
  await (gate.forgive(attempt.attemptId) as Promise<void>).catch(() => undefined);
  return { unlocked: true, cookie };
}
