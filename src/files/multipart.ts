/**
 * A small pull-based multipart/form-data reader (RFC 7578) over a byte stream. It never holds more
 * than one incoming chunk plus a boundary's length of body bytes, so a part of any size streams
 * through; the caller decides how much of each part it is willing to read.
 *
 * Hand-written rather than taken from npm: what we need is the opposite of the usual parser's
 * "collect every field and file" (count and sniff a single file part as it streams, stop at
 * the first byte past a cap), and the whole thing is the boundary search below.
 */

export class MultipartError extends Error {
  override name = "MultipartError";
}

/** The body went past the reader's overall byte limit (an endless preamble or field, say). */
export class MultipartTooLarge extends MultipartError {
  override name = "MultipartTooLarge";
}

export interface PartHeaders {
  /** The form field name from Content-Disposition. */
  name: string;
  /** The client's file name (filename* preferred), or null for a plain field. */
  fileName: string | null;
  contentType: string | null;
}

const MAX_HEADER_BYTES = 8 * 1024;
const CRLF_CRLF = new Uint8Array([13, 10, 13, 10]);

/** The boundary parameter of a multipart/form-data Content-Type, or null. */
export function multipartBoundary(contentType: string | null | undefined): string | null {
  if (!contentType) return null;
  const [type, ...params] = contentType.split(";");
  if (type!.trim().toLowerCase() !== "multipart/form-data") return null;
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== "boundary") continue;
    let value = param.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    // RFC 2046: 1 to 70 characters from a restricted set.
    return /^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/.test(value) && !value.endsWith(" ") ? value : null;
  }
  return null;
}

type State = "preamble" | "afterDelimiter" | "headers" | "body" | "done";

export class MultipartReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly delimiter: Uint8Array;
  // The body is read as if it started with CRLF, so the first boundary is found like every other.
  private buffer: Uint8Array = new Uint8Array([13, 10]);
  private state: State = "preamble";
  private ended = false;
  private received = 0;

  /** `maxBytes` bounds the whole body, whatever part the bytes belong to. */
  constructor(
    body: ReadableStream<Uint8Array>,
    boundary: string,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {
    this.reader = body.getReader();
    this.delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
  }

  /** The next part's headers, or null after the closing boundary. Skips what is left of the current part. */
  async nextPart(): Promise<PartHeaders | null> {
    while (this.state === "body") await this.readChunk();
    if (this.state === "preamble") {
      for (;;) {
        const at = indexOf(this.buffer, this.delimiter);
        if (at >= 0) {
          this.buffer = this.buffer.subarray(at + this.delimiter.length);
          this.state = "afterDelimiter";
          break;
        }
        // Keep only what could be the start of the delimiter.
        this.buffer = this.buffer.subarray(Math.max(0, this.buffer.length - this.delimiter.length + 1));
        if (!(await this.fill())) throw new MultipartError("no multipart boundary found in the body");
      }
    }
    if (this.state === "done") return null;
    // After a delimiter: `--` closes the body; otherwise optional padding, CRLF, then headers.
    while (this.buffer.length < 2) if (!(await this.fill())) throw new MultipartError("the body ends inside a boundary");
    if (this.buffer[0] === 45 && this.buffer[1] === 45) {
      this.state = "done";
      return null;
    }
    for (;;) {
      const at = indexOf(this.buffer, CRLF_CRLF);
      if (at >= 0) {
        const block = new TextDecoder().decode(this.buffer.subarray(0, at));
        this.buffer = this.buffer.subarray(at + CRLF_CRLF.length);
        this.state = "body";
        return parseHeaders(block);
      }
      if (this.buffer.length > MAX_HEADER_BYTES) throw new MultipartError("part headers are too long");
      if (!(await this.fill())) throw new MultipartError("the body ends inside part headers");
    }
  }

  /** The next chunk of the current part's body, or null at its end. */
  async readChunk(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.state !== "body") return null;
      const at = indexOf(this.buffer, this.delimiter);
      if (at >= 0) {
        const chunk = this.buffer.subarray(0, at);
        this.buffer = this.buffer.subarray(at + this.delimiter.length);
        this.state = "afterDelimiter";
        return chunk.length > 0 ? chunk : null;
      }
      // Everything but a possible delimiter prefix at the end is body.
      const safe = this.buffer.length - (this.delimiter.length - 1);
      if (safe > 0) {
        const chunk = this.buffer.subarray(0, safe);
        this.buffer = this.buffer.subarray(safe);
        return chunk;
      }
      if (!(await this.fill())) throw new MultipartError("the body ends inside a part");
    }
  }

  /** Stops reading the request body (after an error, or once the wanted parts are read). */
  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const { done, value } = await this.reader.read();
    if (done) {
      this.ended = true;
      return false;
    }
    this.received += value.byteLength;
    if (this.received > this.maxBytes) throw new MultipartTooLarge(`the body is larger than ${this.maxBytes} bytes`);
    const merged = new Uint8Array(this.buffer.length + value.byteLength);
    merged.set(this.buffer, 0);
    merged.set(value, this.buffer.length);
    this.buffer = merged;
    return true;
  }
}

function parseHeaders(block: string): PartHeaders {
  let disposition: string | null = null;
  let contentType: string | null = null;
  // The first line is what followed the boundary on its line (transport padding); skip it.
  for (const line of block.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") disposition = value;
    else if (name === "content-type") contentType = value;
  }
  if (!disposition || !/^form-data\s*(;|$)/i.test(disposition)) throw new MultipartError("a part has no Content-Disposition: form-data header");
  const params = dispositionParams(disposition);
  const name = params.get("name");
  if (name === undefined) throw new MultipartError("a part has no field name");
  const extended = params.get("filename*");
  const fileName = extended !== undefined ? decodeExtended(extended) : (params.get("filename") ?? null);
  return { name, fileName, contentType };
}

function dispositionParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  const pattern = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const match of value.matchAll(pattern)) {
    const key = match[1]!.toLowerCase();
    const raw = match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : match[3]!.trim();
    if (!params.has(key)) params.set(key, raw);
  }
  return params;
}

/** RFC 5987 `UTF-8''caf%C3%A9.pdf`. */
function decodeExtended(value: string): string | null {
  const match = /^utf-8'[^']*'(.*)$/i.exec(value);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
}

function startsWithAt(haystack: Uint8Array, needle: Uint8Array, at: number): boolean {
  if (at + needle.length > haystack.length) return false;
  for (let i = 0; i < needle.length; i++) if (haystack[at + i] !== needle[i]) return false;
  return true;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0]!;
  for (let i = haystack.indexOf(first); i >= 0 && i + needle.length <= haystack.length; i = haystack.indexOf(first, i + 1))
    if (startsWithAt(haystack, needle, i)) return i;
  return -1;
}
