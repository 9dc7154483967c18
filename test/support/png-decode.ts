/**
 * Minimal, strict PNG decoder (PNG spec, 2nd/3rd ed.) → 8-bit straight-alpha RGBA.
 *
 * Used by the decode harness inside workerd, where pngjs's sync reader does not work
 * (its sync-inflate.js calls `zlib.Inflate.call(this)`, which throws "Class constructor Inflate
 * cannot be invoked without 'new'" under workerd's nodejs_compat zlib). In Node the harness uses
 * pngjs, and test/unit/decode-harness.test.ts cross-checks this decoder against pngjs.
 *
 * Supports every standard colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA), all
 * legal bit depths (1/2/4/8/16), tRNS, and Adam7 interlacing. Verifies the signature, every
 * chunk CRC, and rejects unknown critical chunks, so a malformed PNG fails loudly instead of
 * "decoding" to garbage. Sub-8-bit and 16-bit samples are rescaled to 0..255 exactly as pngjs does.
 */
import { unzlibSync } from "fflate";

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, 8 bits per channel, straight (non-premultiplied) alpha. */
  data: Uint8Array;
  /** Original header fields, for tests that want to assert on the encoding. */
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ALLOWED_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
// Adam7: [xStart, yStart, xStep, yStep]
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

let crcTable: Uint32Array | undefined;
function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function fail(msg: string): never {
  throw new Error(`PNG decode: ${msg}`);
}

export function decodePngToRgba(png: Uint8Array): DecodedPng {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (png.length < 8 || SIGNATURE.some((b, i) => png[i] !== b)) fail("bad signature");

  let width = 0;
  let height = 0;
  let bitDepth = 0;
  let colorType = -1;
  let interlaced = false;
  let palette: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let sawIend = false;

  let pos = 8;
  while (pos < png.length) {
    if (pos + 12 > png.length) fail("truncated chunk header");
    const len = view.getUint32(pos);
    const type = String.fromCharCode(png[pos + 4]!, png[pos + 5]!, png[pos + 6]!, png[pos + 7]!);
    const dataStart = pos + 8;
    const dataEnd = dataStart + len;
    if (dataEnd + 4 > png.length) fail(`truncated ${type} chunk`);
    if (crc32(png, pos + 4, dataEnd) !== view.getUint32(dataEnd)) fail(`CRC mismatch in ${type} chunk`);
    const data = png.subarray(dataStart, dataEnd);
    if (pos === 8 && type !== "IHDR") fail("first chunk is not IHDR");

    switch (type) {
      case "IHDR": {
        if (len !== 13) fail("bad IHDR length");
        width = view.getUint32(dataStart);
        height = view.getUint32(dataStart + 4);
        bitDepth = data[8]!;
        colorType = data[9]!;
        if (data[10] !== 0 || data[11] !== 0) fail("unsupported compression/filter method");
        if (data[12]! > 1) fail("bad interlace method");
        interlaced = data[12] === 1;
        if (!width || !height) fail("zero dimension");
        if (!(colorType in CHANNELS) || !ALLOWED_DEPTHS[colorType]!.includes(bitDepth)) {
          fail(`invalid colour type ${colorType} / bit depth ${bitDepth}`);
        }
        break;
      }
      case "PLTE":
        if (len % 3 !== 0 || len === 0 || len / 3 > 256) fail("bad PLTE length");
        palette = data;
        break;
      case "tRNS":
        trns = data;
        break;
      case "IDAT":
        idat.push(data);
        break;
      case "IEND":
        sawIend = true;
        break;
      default:
        // Bit 5 of the first byte clear (uppercase) means critical: we must understand it.
        if ((png[pos + 4]! & 0x20) === 0) fail(`unknown critical chunk ${type}`);
    }
    pos = dataEnd + 4;
    if (sawIend) break;
  }
  if (!sawIend) fail("missing IEND");
  if (!idat.length) fail("missing IDAT");
  if (colorType === 3 && !palette) fail("palette image without PLTE");

  const total = idat.reduce((n, c) => n + c.length, 0);
  const compressed = new Uint8Array(total);
  let off = 0;
  for (const c of idat) {
    compressed.set(c, off);
    off += c.length;
  }
  const raw = unzlibSync(compressed);

  const channels = CHANNELS[colorType]!;
  const bitsPerPixel = channels * bitDepth;
  const bpp = Math.max(1, bitsPerPixel >> 3); // filter byte distance
  const out = new Uint8Array(width * height * 4);

  const passes = interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  let rp = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const stride = Math.ceil((pw * bitsPerPixel) / 8);
    let prev = new Uint8Array(stride);
    for (let py = 0; py < ph; py++) {
      if (rp + 1 + stride > raw.length) fail("image data too short");
      const filter = raw[rp]!;
      const line = raw.slice(rp + 1, rp + 1 + stride);
      rp += 1 + stride;
      unfilter(filter, line, prev, bpp);
      writeLine(line, pw, py * dy + y0, x0, dx);
      prev = line;
    }
  }
  if (rp !== raw.length) fail(`${raw.length - rp} trailing bytes of image data`);

  return { width, height, data: out, bitDepth, colorType, interlaced };

  function sample(line: Uint8Array, index: number): number {
    // Returns the raw sample value (0 .. 2^bitDepth-1) of sample #index in the line.
    if (bitDepth === 8) return line[index]!;
    if (bitDepth === 16) return (line[index * 2]! << 8) | line[index * 2 + 1]!;
    const bitPos = index * bitDepth;
    const byte = line[bitPos >> 3]!;
    const shift = 8 - bitDepth - (bitPos & 7);
    return (byte >> shift) & ((1 << bitDepth) - 1);
  }

  function to8(v: number): number {
    if (bitDepth === 8) return v;
    return Math.floor((v * 255) / ((1 << bitDepth) - 1) + 0.5); // same rounding as pngjs
  }

  function writeLine(line: Uint8Array, pw: number, y: number, x0: number, dx: number): void {
    for (let px = 0; px < pw; px++) {
      const o = (y * width + x0 + px * dx) * 4;
      const s = px * channels;
      let r: number, g: number, b: number, a: number;
      switch (colorType) {
        case 0: {
          const v = sample(line, s);
          r = g = b = to8(v);
          a = trns && trns.length >= 2 && v === ((trns[0]! << 8) | trns[1]!) ? 0 : 255;
          break;
        }
        case 2: {
          const rv = sample(line, s), gv = sample(line, s + 1), bv = sample(line, s + 2);
          r = to8(rv);
          g = to8(gv);
          b = to8(bv);
          a =
            trns && trns.length >= 6 &&
            rv === ((trns[0]! << 8) | trns[1]!) && gv === ((trns[2]! << 8) | trns[3]!) && bv === ((trns[4]! << 8) | trns[5]!)
              ? 0
              : 255;
          break;
        }
        case 3: {
          const i = sample(line, s);
          if (i * 3 + 2 >= palette!.length) fail(`palette index ${i} out of range`);
          r = palette![i * 3]!;
          g = palette![i * 3 + 1]!;
          b = palette![i * 3 + 2]!;
          a = trns && i < trns.length ? trns[i]! : 255;
          break;
        }
        case 4:
          r = g = b = to8(sample(line, s));
          a = to8(sample(line, s + 1));
          break;
        default:
          r = to8(sample(line, s));
          g = to8(sample(line, s + 1));
          b = to8(sample(line, s + 2));
          a = to8(sample(line, s + 3));
      }
      if (a === 0 && (colorType === 0 || colorType === 2)) r = g = b = 0; // tRNS colour key → (0,0,0,0), as pngjs
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = a;
    }
  }
}

function unfilter(filter: number, line: Uint8Array, prev: Uint8Array, bpp: number): void {
  const n = line.length;
  switch (filter) {
    case 0:
      return;
    case 1:
      for (let i = bpp; i < n; i++) line[i] = (line[i]! + line[i - bpp]!) & 0xff;
      return;
    case 2:
      for (let i = 0; i < n; i++) line[i] = (line[i]! + prev[i]!) & 0xff;
      return;
    case 3:
      for (let i = 0; i < n; i++) line[i] = (line[i]! + (((i >= bpp ? line[i - bpp]! : 0) + prev[i]!) >> 1)) & 0xff;
      return;
    case 4:
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? line[i - bpp]! : 0;
        const b = prev[i]!;
        const c = i >= bpp ? prev[i - bpp]! : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        line[i] = (line[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
      return;
    default:
      fail(`bad filter type ${filter}`);
  }
}
