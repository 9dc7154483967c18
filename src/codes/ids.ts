/** Identifiers of the QR code resource: 24-hex ids and 8-character base62 short tokens. */

import { randomBase62 } from "../auth/secrets";
import { randomHex } from "../lib/hex";

export const SHORT_TOKEN_LENGTH = 8;
export const SHORT_TOKEN_PATTERN = /^[0-9A-Za-z]{8}$/;
export const CODE_ID_PATTERN = /^[0-9a-f]{24}$/;

/**
 * 12 hex digits of Unix milliseconds, then 48 random bits: ids sort by creation time (the
 * collection's "newest first" is an index walk), and two ids minted in the same millisecond still
 * differ with overwhelming probability (the primary key catches the rest).
 */
export function newCodeId(now = Date.now()): string {
  return now.toString(16).padStart(12, "0").slice(-12) + randomHex(6);
}

/** 8 base62 characters (47.6 bits) from a CSPRNG, without modulo bias. */
export function newShortToken(): string {
  return randomBase62(SHORT_TOKEN_LENGTH);
}
