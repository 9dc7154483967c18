/**
 * An absolute http(s) URL a visitor can safely be sent to. The scheme is case-insensitive
 * (RFC 3986), so `HTTPS://EXAMPLE.COM` is accepted; `javascript:`, `data:`, `vbscript:`,
 * `file:` and everything else are not. Whitespace and control characters are refused rather than
 * trimmed so what is stored is exactly what was sent.
 */
export function isHttpUrl(value: string): boolean {
  if (value.length > 2048 || /[\s\u0000-\u001f\u007f]/.test(value)) return false;
  // The WHATWG parser forgives `http:///path` and backslashes; a well-formed URL has an authority.
  if (!/^https?:\/\/[^/?#\\]/i.test(value)) return false;
  try {
    const parsed = new URL(value);
    return (parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.hostname.length > 0;
  } catch {
    return false;
  }
}
