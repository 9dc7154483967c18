/**
 * Alibaba Cloud signature V3 (`ACS3-HMAC-SHA256`), rebuilt exactly as the official SDK computes it
 * (@alicloud/openapi-util getAuthorization):
 *
 *   canonical request = METHOD \n path \n canonical query \n canonical headers \n signed headers \n hashed payload
 *   string to sign    = "ACS3-HMAC-SHA256" \n hex(sha256(canonical request))
 *   signature         = hex(hmac-sha256(AccessKey secret, string to sign))
 *
 * The canonical query percent-encodes keys and values the SDK's way (encodeURIComponent plus
 * ! ' ( ) *) and sorts the pairs by encoded key; the canonical headers are `name:trimmed value\n`
 * for each header named in SignedHeaders, in that (sorted) order; the hashed payload is the
 * x-acs-content-sha256 header, which is separately checked against the body's real digest.
 * Pure functions: no I/O, the same in workerd and Node.
 */
import { sha256Hex, toHex, fromHex } from "../lib/hex";

export const ACS3_ALGORITHM = "ACS3-HMAC-SHA256";

export interface ParsedAuthorization {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=a;b;c,Signature=<hex>`, or null when malformed. */
export function parseAuthorization(header: string): ParsedAuthorization | null {
  const match = /^(\S+) +(.*)$/.exec(header.trim());
  if (!match) return null;
  const fields = new Map<string, string>();
  for (const part of match[2]!.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return null;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!accessKeyId || !signedHeaders || !signature) return null;
  return { algorithm: match[1]!, accessKeyId, signedHeaders: signedHeaders.split(";"), signature };
}

/** The SDK's `encode`: encodeURIComponent, then the five characters it leaves alone. */
export function acsEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Code-unit order, as JavaScript's default sort (the SDK's) compares. */
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * `encode(key)=encode(value)` pairs sorted by encoded key, joined by `&`. Keys are encoded as the
 * V3 signature document specifies; the SDK's signer (getAuthorizationQueryString) puts them in raw,
 * which is the same string for every parameter name an API has (letters, digits, `.`, `_`, `-`
 * are never encoded). Raw, a key holding `=` or `&` reads as two parameters:
 * `?CustSpaceId%3Dnope%26PhoneNumber=…` carried the signature of `CustSpaceId=nope&PhoneNumber=…`.
 * Encoded, no key or value can contain a separator, so different queries never share a string.
 */
export function canonicalQuery(params: ReadonlyMap<string, string>): string {
  return [...params]
    .map(([key, value]) => [acsEncode(key), acsEncode(value)] as const)
    .sort(([a], [b]) => byCodeUnit(a, b))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

/** The SDK's path rule (first `+`, `*` and `%7E` only, as its String.replace does). */
export const canonicalPath = (pathname: string): string => pathname.replace("+", "%20").replace("*", "%2A").replace("%7E", "~");

export interface CanonicalInput {
  method: string;
  pathname: string;
  query: ReadonlyMap<string, string>;
  /** header value by lower-case name, null when absent */
  header: (name: string) => string | null;
  signedHeaders: readonly string[];
  hashedPayload: string;
}

export function canonicalRequest(input: CanonicalInput): string {
  const headers = input.signedHeaders.map((name) => `${name}:${(input.header(name) ?? "").trim()}\n`).join("");
  return [input.method.toUpperCase(), canonicalPath(input.pathname), canonicalQuery(input.query), headers, input.signedHeaders.join(";"), input.hashedPayload].join("\n");
}

const encoder = new TextEncoder();

export async function stringToSign(canonical: string): Promise<string> {
  return `${ACS3_ALGORITHM}\n${await sha256Hex(canonical)}`;
}

export async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toHex(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

/**
 * True when `presented` is the HMAC of `toSign` under `secret`, compared in constant time:
 * crypto.subtle.verify checks the MAC without an early exit on the first differing byte.
 */
export async function verifySignature(secret: string, toSign: string, presented: string): Promise<boolean> {
  if (!/^[0-9a-f]{64}$/i.test(presented)) return false;
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const mac = fromHex(presented.toLowerCase());
  return crypto.subtle.verify("HMAC", key, mac, encoder.encode(toSign));
}

/** `x-acs-date` as the SDK writes it (`2026-11-21T08:30:00Z`); null when not that shape or not a date. */
export function parseAcsDate(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}
