/** Identifiers of the QR code resource: 24-hex ids and 8-character base62 short tokens. */

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const SHORT_TOKEN_LENGTH = 8;
export const SHORT_TOKEN_PATTERN = /^[0-9A-Za-z]{8}$/;
export const CODE_ID_PATTERN = /^[0-9a-f]{24}$/;

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

/**
 * 12 hex digits of Unix milliseconds, then 48 random bits: ids sort by creation time (the
 * collection's "newest first" is an index walk), and two ids minted in the same millisecond still
 * differ with overwhelming probability (the primary key catches the rest).
 */
export function newCodeId(now = Date.now()): string {
  return now.toString(16).padStart(12, "0").slice(-12) + hex(crypto.getRandomValues(new Uint8Array(6)));
}

/** 8 base62 characters (47.6 bits) from a CSPRNG, without modulo bias. */
export function newShortToken(): string {
  let out = "";
  while (out.length < SHORT_TOKEN_LENGTH) {
    for (const byte of crypto.getRandomValues(new Uint8Array(16))) {
      if (byte < 248 && out.length < SHORT_TOKEN_LENGTH) out += BASE62[byte % 62];
    }
  }
  return out;
}
