import { randomBase62 } from "./secrets";
import { toHex } from "../lib/hex";

/**
 * AccessKey pairs for Alibaba Cloud signature V3. Unlike every other secret here the verifier
 * needs the secret itself (it is the HMAC key), so it is kept AES-256-GCM encrypted under the
 * ACCESS_KEY_ENCRYPTION_KEY Worker secret instead of hashed.
 *
 * Stored form: `<key id>.<iv>.<ciphertext>` (base64url), where the key id names the encryption
 * key (8 hex digits of its SHA-256), so a rotation can tell old rows from new ones, and the
 * AccessKey ID is the additional data: a ciphertext copied onto another row does not decrypt.
 */

export const ACCESS_KEY_ID_PATTERN = /^EQAK[0-9A-Za-z]{20}$/;

/** `EQAK` + 20 base62 characters (119 bits): the shape of Alibaba's `LTAI…` ids, but never one of them. */
export const newAccessKeyId = (): string => `EQAK${randomBase62(20)}`;

/** 30 base62 characters (178 bits), as long as Alibaba Cloud's own secrets. */
export const newAccessKeySecret = (): string => randomBase62(30);

export const accessKeySecretPrefix = (secret: string): string => `${secret.slice(0, 4)}…`;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const b64url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromB64url = (text: string): Uint8Array => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));

export class EncryptionKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EncryptionKeyError";
  }
}

/** One encryption key: its id (stored beside each ciphertext) and the AES-GCM key derived from it. */
export interface SecretKey {
  id: string;
  key: CryptoKey;
}

/** At least 32 characters of key material (`npm start` writes 32 random bytes in base64). */
export const MIN_KEY_MATERIAL = 32;

/**
 * HKDF-SHA-256 over the configured text, so any long random string works as the secret and the
 * derived AES key is never the configured bytes themselves.
 */
export async function importSecretKey(material: string): Promise<SecretKey> {
  if (material.length < MIN_KEY_MATERIAL) throw new EncryptionKeyError(`ACCESS_KEY_ENCRYPTION_KEY must be at least ${MIN_KEY_MATERIAL} characters`);
  const raw = encoder.encode(material);
  const id = toHex(await crypto.subtle.digest("SHA-256", encoder.encode(`edge-qr key id:${material}`))).slice(0, 8);
  const base = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: encoder.encode("edge-qr access key secrets v1") },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
  return { id, key };
}

/** The current key (encrypts and decrypts) and an optional previous one (decrypts only, during a rotation). */
export interface SecretKeyring {
  current: SecretKey;
  previous: SecretKey | null;
}

const keyrings = new Map<string, Promise<SecretKeyring>>();

/** The keyring from the Worker's secrets, derived once per isolate; null when no key is configured. */
export function keyringOf(env: Pick<Env, "ACCESS_KEY_ENCRYPTION_KEY" | "ACCESS_KEY_ENCRYPTION_KEY_PREVIOUS">): Promise<SecretKeyring> | null {
  const current = env.ACCESS_KEY_ENCRYPTION_KEY?.trim();
  if (!current) return null;
  const previous = env.ACCESS_KEY_ENCRYPTION_KEY_PREVIOUS?.trim() || null;
  const cacheKey = `${current}\u0000${previous ?? ""}`;
  let ring = keyrings.get(cacheKey);
  if (!ring) {
    ring = (async () => ({ current: await importSecretKey(current), previous: previous ? await importSecretKey(previous) : null }))();
    ring.catch(() => keyrings.delete(cacheKey));
    keyrings.set(cacheKey, ring);
  }
  return ring;
}

export async function encryptSecret(ring: SecretKeyring, accessKeyId: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(accessKeyId) }, ring.current.key, encoder.encode(secret));
  return `${ring.current.id}.${b64url(iv)}.${b64url(new Uint8Array(sealed))}`;
}

/** The key id a stored ciphertext was sealed with. */
export const ciphertextKeyId = (stored: string): string => stored.split(".", 1)[0]!;

/** The secret, or an EncryptionKeyError when neither configured key sealed it (or it was tampered with). */
export async function decryptSecret(ring: SecretKeyring, accessKeyId: string, stored: string): Promise<string> {
  const [keyId, iv, sealed] = stored.split(".");
  const key = [ring.current, ring.previous].find((k) => k !== null && k.id === keyId);
  if (!key || !iv || !sealed) throw new EncryptionKeyError(`AccessKey ${accessKeyId} is sealed with key ${keyId}, which is not configured`);
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromB64url(iv), additionalData: encoder.encode(accessKeyId) }, key.key, fromB64url(sealed));
    return decoder.decode(plain);
  } catch {
    throw new EncryptionKeyError(`AccessKey ${accessKeyId} does not decrypt under key ${keyId}`);
  }
}

/** A new AccessKey pair, as it is stored (the secret sealed) and as its caller sees it once (in the clear). */
export interface MintedAccessKey {
  id: string;
  secret: string;
  row: { id: string; name: string; actions: string[]; secretCiphertext: string; secretPrefix: string };
}

/** Mints an AccessKey pair: its secret sealed under the keyring's current key for D1, in the clear for the caller once. */
export async function mintAccessKey(ring: SecretKeyring, input: { name: string; actions: string[] }): Promise<MintedAccessKey> {
  const id = newAccessKeyId();
  const secret = newAccessKeySecret();
  return { id, secret, row: { id, name: input.name, actions: input.actions, secretCiphertext: await encryptSecret(ring, id, secret), secretPrefix: accessKeySecretPrefix(secret) } };
}
