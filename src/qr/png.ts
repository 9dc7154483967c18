import { crc32, createDeflate, type Deflate, deflateSync } from "node:zlib";
import { concatBytes } from "../lib/bytes";
import { ScanlineDeflater } from "./deflate";

/**
 * Two PNG encoders. Indexed-colour images (plain codes) go through the scanline deflate in
 * deflate.ts, line by line. Truecolour images (styled codes) arrive strip by strip and go
 * through native zlib: one call for an image of one strip, one streaming engine for larger ones,
 * so only compressed bytes accumulate.
 */

const SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const ascii = (s: string) => new TextEncoder().encode(s);
const IHDR = ascii("IHDR");
const PLTE = ascii("PLTE");
const IDAT = ascii("IDAT");
const IEND = ascii("IEND");
/**
 * zlib settings for truecolour lines. Measured on unfiltered lines of the bench's styled code: at
 * 500 px levels 1, 2, 3 and 6 take 1.42, 1.39, 1.87 and 4.1 ms for 48, 45, 42 and 33 KB; at
 * 5000 px 63, 69, 62 and 364 ms for 1.12, 1.10, 1.07 and 0.73 MB. Up-filtered lines compressed
 * about as well but the filter's pass in JavaScript cost more than zlib itself. The largest hash
 * table (memLevel 9) and 64 KB output chunks took level 1 at 500 px from 1.20 to 1.02 ms (best
 * of 15 runs of 10).
 */
const ZLIB_OPTIONS = { level: 1, memLevel: 9, chunkSize: 64 * 1024 };

const FILTER_NONE = 0;

export type Rgb = readonly [number, number, number];

function chunk(type: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(type, 4);
  out.set(data, 8);
  // zlib's CRC-32 (native in Node and workerd) over the type and data, which lie side by side.
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function assemble(chunks: Uint8Array[]): Uint8Array {
  return concatBytes([SIGNATURE, ...chunks]);
}

function header(width: number, height: number, bitDepth: number, colorType: number): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data[8] = bitDepth;
  data[9] = colorType;
  return data; // compression 0, filter 0, interlace 0
}

/** Packs palette indices into `line` after its filter byte, most significant bits first. */
function packLine(row: Uint8Array, width: number, bitDepth: number, line: Uint8Array): void {
  const perByte = 8 / bitDepth;
  const whole = Math.floor(width / perByte);
  let x = 0;
  if (bitDepth === 1)
    for (let byte = 1; byte <= whole; byte++, x += 8)
      line[byte] =
        (row[x]! << 7) | (row[x + 1]! << 6) | (row[x + 2]! << 5) | (row[x + 3]! << 4) | (row[x + 4]! << 3) | (row[x + 5]! << 2) | (row[x + 6]! << 1) | row[x + 7]!;
  else if (bitDepth === 2) for (let byte = 1; byte <= whole; byte++, x += 4) line[byte] = (row[x]! << 6) | (row[x + 1]! << 4) | (row[x + 2]! << 2) | row[x + 3]!;
  else
    for (let byte = 1; byte <= whole; byte++) {
      let packed = 0;
      for (let k = 0; k < perByte; k++, x++) packed = (packed << bitDepth) | row[x]!;
      line[byte] = packed;
    }
  if (whole < line.length - 1) {
    // The last byte of a line whose width is not a multiple of the pixels per byte, zero-padded.
    let packed = 0;
    for (let k = 0; k < perByte; k++, x++) packed = (packed << bitDepth) | (x < width ? row[x]! : 0);
    line[whole + 1] = packed;
  }
}

/**
 * Indexed-colour PNG for plain codes, built synchronously line by line. Lines are unfiltered, so
 * a repeated line is an exact copy of the one above: the scanline deflater codes it as one long
 * match without reading it (a QR code repeats each pixel row dotSize times). `rowAt(y)` returns
 * one palette index per pixel; returning the very same array as for the previous row marks a
 * repeat. Only one packed line is held, so memory does not grow with the image.
 */
export function encodeIndexedPng(width: number, height: number, palette: readonly Rgb[], rowAt: (y: number) => Uint8Array): Uint8Array {
  const bitDepth = palette.length <= 2 ? 1 : palette.length <= 4 ? 2 : palette.length <= 16 ? 4 : 8;
  const rowBytes = Math.ceil((width * bitDepth) / 8);
  const deflater = new ScanlineDeflater(rowBytes + 1);
  const line = new Uint8Array(rowBytes + 1);
  line[0] = FILTER_NONE;
  let previous: Uint8Array | null = null;
  let repeats = 0;
  for (let y = 0; y < height; y++) {
    const row = rowAt(y);
    if (row === previous) {
      repeats++;
      continue;
    }
    if (repeats > 0) deflater.repeatLine(repeats);
    repeats = 0;
    previous = row;
    packLine(row, width, bitDepth, line);
    deflater.addLine(line);
  }
  if (repeats > 0) deflater.repeatLine(repeats);
  return assemble([chunk(IHDR, header(width, height, bitDepth, 3)), chunk(PLTE, Uint8Array.from(palette.flat())), chunk(IDAT, deflater.finish()), chunk(IEND, new Uint8Array(0))]);
}

/**
 * Truecolour PNG fed strip by strip with RGB lines (every code is drawn on an opaque
 * background, so there is no alpha). Lines are unfiltered: a filter costs a pass over every byte
 * in JavaScript (at 5000 px, 75 MB: more than half the render), while zlib finds a module row's
 * repeated lines one stride back and runs of one colour three bytes back by itself. An image that
 * arrives in one piece (up to about 600 px) is compressed in one call; larger ones stream through
 * one zlib engine strip by strip (it keeps its window and the Adler-32 across them), so memory
 * stays flat whatever the image size.
 */
export class RgbPngStream {
  /** Bytes per line as PNG stores it: a filter byte, then RGB. */
  readonly lineBytes: number;
  private rows = 0;
  private whole: Uint8Array | null = null;
  private engine: Deflate | null = null;
  private readonly compressed: Uint8Array[] = [];
  private failure: Error | null = null;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.lineBytes = width * 3 + 1;
  }

  /**
   * Appends whole lines, each a 0 (no filter) followed by RGB. Once this resolves the compressor
   * is done with them and the buffer may be reused, except for an image written in one piece,
   * which is held until finish().
   */
  async writeLines(lines: Uint8Array): Promise<void> {
    const count = lines.length / this.lineBytes;
    if (!Number.isInteger(count)) throw new RangeError(`lines are ${this.lineBytes} bytes each`);
    if (this.rows + count > this.height) throw new RangeError("more rows than the image height");
    this.rows += count;
    if (this.rows === this.height && this.engine === null && this.whole === null) {
      this.whole = lines;
      return;
    }
    if (this.whole) {
      const first = this.whole;
      this.whole = null;
      await this.write(first);
    }
    await this.write(lines);
  }

  /** Appends `rowCount` lines of packed RGB (copied). */
  async writeRgb(pixels: Uint8Array, rowCount: number): Promise<void> {
    const rgbBytes = this.width * 3;
    const lines = new Uint8Array(rowCount * this.lineBytes);
    for (let r = 0; r < rowCount; r++) lines.set(pixels.subarray(r * rgbBytes, (r + 1) * rgbBytes), r * this.lineBytes + 1);
    await this.writeLines(lines);
  }

  async finish(): Promise<Uint8Array> {
    if (this.rows !== this.height) throw new RangeError(`expected ${this.height} rows, got ${this.rows}`);
    let data: Uint8Array;
    if (this.whole) data = deflateSync(this.whole, ZLIB_OPTIONS);
    else {
      const engine = this.engine!;
      // An engine that already failed emits nothing more: waiting for its end would never return.
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve, reject) => {
        engine.once("end", resolve);
        engine.once("error", reject);
        engine.end();
      });
      if (this.failure) throw this.failure;
      data = concatBytes(this.compressed);
    }
    return assemble([chunk(IHDR, header(this.width, this.height, 8, 2)), chunk(IDAT, data), chunk(IEND, new Uint8Array(0))]);
  }

  /** Lets go of the zlib engine of an image that will not be finished (a render that stopped). */
  abandon(): void {
    this.engine?.destroy();
  }

  private async write(lines: Uint8Array): Promise<void> {
    if (!this.engine) {
      const engine = createDeflate(ZLIB_OPTIONS);
      engine.on("data", (part: Buffer) => this.compressed.push(part));
      engine.on("error", (err: Error) => (this.failure = err));
      this.engine = engine;
    }
    if (this.failure) throw this.failure;
    // Waiting until the engine has compressed the lines lets the caller reuse its strip, and keeps
    // the work serial, as it is in a Worker.
    const engine = this.engine;
    await new Promise<void>((resolve, reject) => engine.write(lines, (err) => (err ? reject(err) : resolve())));
  }
}
