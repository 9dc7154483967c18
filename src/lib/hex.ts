/** Lowercase hex, the one encoding of digests, random ids and markers across the Worker. */

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `byteCount` bytes from the CSPRNG, as hex (twice as many characters). */
export function randomHex(byteCount: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(byteCount)));
}

/** SHA-256 of a string (as UTF-8) or of bytes, as hex. */
export async function sha256Hex(data: string | BufferSource): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", typeof data === "string" ? new TextEncoder().encode(data) : data));
}

/** The bytes of an even-length hex string (callers check its form first). */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}
