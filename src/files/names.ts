/** File names as clients send them, made safe to store, list and put in a header. */

const MAX_NAME_LENGTH = 255;

/**
 * The last path segment of the client's name, without control or bidi-override characters,
 * trimmed, at most 255 characters; "file" when nothing is left.
 */
export function sanitizeFileName(raw: string | null | undefined, fallback = "file"): string {
  const base = (raw ?? "").split(/[\\/]/).pop() ?? "";
  const cleaned = base
    .normalize("NFC")
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "")
    .trim()
    .replace(/^\.+/, "");
  const clipped = Array.from(cleaned).slice(0, MAX_NAME_LENGTH).join("").trim();
  return clipped.length > 0 ? clipped : fallback;
}

/**
 * RFC 6266 Content-Disposition: an ASCII fallback `filename` (the caller's, or the name with
 * anything else replaced by `_`) and the exact name in `filename*` (RFC 8187, UTF-8, percent-encoded).
 */
export function contentDisposition(kind: "inline" | "attachment", rawName: string, asciiName?: string): string {
  // A lone surrogate would make encodeURIComponent throw; U+FFFD stands in for it.
  const fileName = rawName.toWellFormed();
  const fallback = (asciiName ?? fileName).replace(/[^\x20-\x7e]|["\\%;]/g, "_");
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
