import { randomBase62 } from "./secrets";

/**
 * Console passwords: PBKDF2-SHA256 through WebCrypto, the one password hash Workers offer natively
 * (no scrypt or Argon2 without shipping WebAssembly).
 *
 * Stored as `pbkdf2-sha256$<iterations>$<salt, base64url>$<hash, base64url>`, so a later release
 * can raise the count: a stored hash is verified with the count it names, and `needsRehash` says
 * when it should be replaced at the next successful sign-in.
 */

/**
 * 100,000 is the most Workers allow: their WebCrypto refuses deriveBits for PBKDF2 above it
 * (workerd's limit, to bound the CPU one request may spend). OWASP asks for 600,000 for SHA-256;
 * the per-account and per-address limits on failed sign-ins (objects/sign-in-gate.ts) are what
 * stands between an online attacker and the rest of that margin.
 */
export const PASSWORD_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const SCHEME = "pbkdf2-sha256";

/** What the console accepts as a new password (counted in UTF-16 units, as zod counts). */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

const encoder = new TextEncoder();

const toBase64Url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BYTES * 8));
}

/** A new stored hash for the password, under a fresh random salt. */
export async function hashPassword(password: string, iterations = PASSWORD_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  return `${SCHEME}$${iterations}$${toBase64Url(salt)}$${toBase64Url(await derive(password, salt, iterations))}`;
}

interface ParsedHash {
  iterations: number;
  salt: Uint8Array<ArrayBuffer>;
  hash: Uint8Array;
}

function parseStored(stored: string): ParsedHash | null {
  const [scheme, count, saltText, hashText, ...rest] = stored.split("$");
  if (scheme !== SCHEME || rest.length > 0 || !count || !/^[1-9][0-9]{0,6}$/.test(count)) return null;
  const iterations = Number(count);
  // Above the Workers limit deriveBits would throw: such a string was not written by us.
  if (iterations > PASSWORD_ITERATIONS) return null;
  const salt = fromBase64Url(saltText ?? "");
  const hash = fromBase64Url(hashText ?? "");
  if (!salt || !hash || salt.length < SALT_BYTES || hash.length !== HASH_BYTES) return null;
  return { iterations, salt, hash };
}

/** Equality in time that depends only on the length, which is fixed (32 bytes) here. */
function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual?: (x: ArrayBufferView, y: ArrayBufferView) => boolean };
  if (typeof subtle.timingSafeEqual === "function") return subtle.timingSafeEqual(a, b);
  // Node (unit tests) has no crypto.subtle.timingSafeEqual: the same constant-time loop.
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * True when the password matches the stored hash. A malformed or tampered stored string is a
 * mismatch, never an exception. With `stored` null (unknown email, a user without a password) the
 * same derivation still runs against a dummy hash, so the answer takes as long either way and the
 * time does not tell which emails have an account.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parsed = stored === null ? null : parseStored(stored);
  const target = parsed ?? { iterations: PASSWORD_ITERATIONS, salt: new Uint8Array(SALT_BYTES), hash: new Uint8Array(HASH_BYTES) };
  const derived = await derive(password, target.salt, target.iterations);
  return bytesEqual(derived, target.hash) && parsed !== null;
}

/** True when a stored hash uses fewer iterations than new ones get (re-hash it at the next sign-in). */
export function needsRehash(stored: string): boolean {
  const parsed = parseStored(stored);
  return parsed === null || parsed.iterations < PASSWORD_ITERATIONS;
}

/** A password for a user nobody chose one for (the demo user): 20 base62 characters, 119 bits. */
export const generatePassword = (): string => randomBase62(20);
