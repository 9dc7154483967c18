import { crc32 } from "../lib/crc32";
import { sha256Hex, fromHex } from "../lib/hex";

/**
 * Secrets: `<prefix>_<30 random base62><6 base62 CRC-32>`. The checksum lets a mistyped or
 * truncated key be refused before any database read; only the SHA-256 digest is stored.
 */

export const SECRET_KINDS = {
  /** a user's api_key for the public API */
  userApiKey: "zak",
  /** a developer_secret issued by a user to an outside developer */
  developerSecret: "zdk",
  /** an organization's bearer key for the QR code resource and message-QR APIs */
  bearerKey: "zbk",
  /** a pairing instance's token (the `/instances/{id}/token/{token}` path segment) */
  pairingInstanceToken: "zit",
  /** an organization's pairing Client-Token (account security token header) */
  pairingClientToken: "zct",
} as const;
export type SecretKind = keyof typeof SECRET_KINDS;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const RANDOM_LENGTH = 30; // 30 * log2(62) = 178 bits
const CHECKSUM_LENGTH = 6; // 62^6 > 2^32
export const SECRET_LENGTH = 3 + 1 + RANDOM_LENGTH + CHECKSUM_LENGTH;
const SHAPE = /^(zak|zdk|zbk|zit|zct)_[0-9A-Za-z]{36}$/;

function checksum(head: string): string {
  let n = crc32(head);
  let out = "";
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/** Base62 without modulo bias: bytes of 248 and above are redrawn. */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

export function generateSecret(kind: SecretKind): string {
  const head = `${SECRET_KINDS[kind]}_${randomBase62(RANDOM_LENGTH)}`;
  return head + checksum(head);
}

/** True when the text has the shape of a secret of that kind and its checksum matches. */
export function isWellFormedSecret(text: unknown, kind: SecretKind): text is string {
  if (typeof text !== "string" || text.length !== SECRET_LENGTH || !SHAPE.test(text)) return false;
  if (!text.startsWith(`${SECRET_KINDS[kind]}_`)) return false;
  const head = text.slice(0, SECRET_LENGTH - CHECKSUM_LENGTH);
  return checksum(head) === text.slice(SECRET_LENGTH - CHECKSUM_LENGTH);
}

/** What lists show instead of the secret: enough to recognise it, useless to an attacker. */
export function displayPrefix(secret: string): string {
  return `${secret.slice(0, 8)}…`;
}

export function hashSecret(secret: string): Promise<string> {
  return sha256Hex(secret);
}

/**
 * Constant-time equality of two strings of any length. Both sides are hashed first so the
 * comparison always runs on 32-byte digests: timingSafeEqual throws on unequal lengths, and the
 * time taken must not reveal the expected value's length either.
 */
export async function timingSafeEqualText(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return timingSafeEqualBytes(new Uint8Array(da), new Uint8Array(db));
}

function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual?: (x: ArrayBufferView, y: ArrayBufferView) => boolean };
  if (a.length !== b.length) return false;
  if (typeof subtle.timingSafeEqual === "function") return subtle.timingSafeEqual(a, b);
  // Node (unit tests) has no crypto.subtle.timingSafeEqual; the same constant-time loop.
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const hexBytes = (hex: unknown): Uint8Array | null =>
  typeof hex === "string" && /^[0-9a-f]{64}$/.test(hex) ? fromHex(hex) : null;

/** Constant-time equality of two SHA-256 hex digests (a malformed stored digest never matches). */
export function digestsEqual(presented: string, stored: string): boolean {
  const a = hexBytes(presented);
  const b = hexBytes(stored);
  return a !== null && b !== null && timingSafeEqualBytes(a, b);
}

/** A new secret and what is stored of it; the secret itself goes to the caller once and nowhere else. */
export interface MintedSecret {
  secret: string;
  /** SHA-256 hex digest, the only form kept in D1 */
  hash: string;
  /** display prefix shown in lists */
  prefix: string;
}

export async function mintSecret(kind: SecretKind): Promise<MintedSecret> {
  const secret = generateSecret(kind);
  return { secret, hash: await hashSecret(secret), prefix: displayPrefix(secret) };
}
