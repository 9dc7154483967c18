/**
 * Tiny test-only PNG *encoder* able to produce every colour type / bit depth, palettes, tRNS,
 * Adam7 interlacing and all five filter types. Used to cross-check png-decode.ts against pngjs.
 */
import { zlibSync } from "fflate";

export interface PngFixtureSpec {
  width: number;
  height: number;
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** raw sample values (0 .. 2^bitDepth-1) for pixel (x, y), one per channel (palette index for type 3) */
  pixel: (x: number, y: number) => number[];
  palette?: Array<[number, number, number]>;
  trns?: number[];
  interlace?: boolean;
  /** filter type used for row r: defaults to cycling 0..4 */
  filter?: (row: number) => number;
}

const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length, type, data and its CRC. */
export function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function packRow(values: number[], bitDepth: number): Uint8Array {
  const row = new Uint8Array(Math.ceil((values.length * bitDepth) / 8));
  values.forEach((v, i) => {
    if (bitDepth === 16) {
      row[i * 2] = v >> 8;
      row[i * 2 + 1] = v & 0xff;
    } else if (bitDepth === 8) {
      row[i] = v;
    } else {
      const bit = i * bitDepth;
      row[bit >> 3]! |= v << (8 - bitDepth - (bit & 7));
    }
  });
  return row;
}

function filterRow(type: number, row: Uint8Array, prev: Uint8Array, bpp: number): Uint8Array {
  const out = new Uint8Array(row.length);
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp]! : 0;
    const b = prev[i]!;
    const c = i >= bpp ? prev[i - bpp]! : 0;
    let pred = 0;
    if (type === 1) pred = a;
    else if (type === 2) pred = b;
    else if (type === 3) pred = (a + b) >> 1;
    else if (type === 4) {
      const p = a + b - c;
      const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    out[i] = (row[i]! - pred) & 0xff;
  }
  return out;
}

export function encodePngFixture(spec: PngFixtureSpec): Uint8Array {
  const { width, height, colorType, bitDepth, interlace = false } = spec;
  const channels = CHANNELS[colorType];
  const bpp = Math.max(1, (channels * bitDepth) >> 3);
  const filter = spec.filter ?? ((r: number) => r % 5);
  const rows: Uint8Array[] = [];
  let rowIndex = 0;
  const passes = interlace ? ADAM7 : ([[0, 0, 1, 1]] as const);
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    let prev: Uint8Array = new Uint8Array(Math.ceil((pw * channels * bitDepth) / 8));
    for (let py = 0; py < ph; py++) {
      const values: number[] = [];
      for (let px = 0; px < pw; px++) for (const v of spec.pixel(x0 + px * dx, y0 + py * dy)) values.push(v);
      const row = packRow(values, bitDepth);
      const f = filter(rowIndex++);
      rows.push(Uint8Array.of(f), filterRow(f, row, prev, bpp));
      prev = row;
    }
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr.set([bitDepth, colorType, 0, 0, interlace ? 1 : 0], 8);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    ...(spec.palette ? [chunk("PLTE", new Uint8Array(spec.palette.flat()))] : []),
    ...(spec.trns ? [chunk("tRNS", new Uint8Array(spec.trns))] : []),
    chunk("IDAT", zlibSync(concat(rows))),
    chunk("IEND", new Uint8Array(0)),
  ];
  return concat(parts);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A 96 px logo: a dark ring on white, the kind of mark people put in the middle of a code. */
export const RING_LOGO_96 = encodePngFixture({
  width: 96,
  height: 96,
  colorType: 2,
  bitDepth: 8,
  pixel: (x, y) => {
    const r = Math.hypot(x - 47.5, y - 47.5);
    return r > 30 && r < 44 ? [14, 116, 144] : [255, 255, 255];
  },
});
