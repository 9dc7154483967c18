/**
 * Large PNGs for logo tests, built row by row through fflate's streaming zlib so a 4096x4096
 * picture never exists raw in memory (50 MB in a workerd test isolate). Rows are Up-filtered, so
 * a picture made of long runs compresses the way real logos do (a 4096 px ring is about 70 KB).
 */
import { Zlib } from "fflate";
import { chunk, concat } from "./png-fixtures";

/** An 8-bit RGBA PNG; `rowAt(y, out)` fills one row (width * 4 bytes). */
export function encodeLargePng(width: number, height: number, rowAt: (y: number, out: Uint8Array) => void): Uint8Array {
  const compressed: Uint8Array[] = [];
  const zlib = new Zlib({ level: 9 }, (data) => void compressed.push(data));
  const row = new Uint8Array(width * 4);
  let previous = new Uint8Array(width * 4);
  const line = new Uint8Array(width * 4 + 1);
  line[0] = 2; // Up
  for (let y = 0; y < height; y++) {
    rowAt(y, row);
    for (let i = 0; i < row.length; i++) line[i + 1] = (row[i]! - previous[i]!) & 0xff;
    zlib.push(line.slice(), y === height - 1);
    previous = row.slice();
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return concat([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", concat(compressed)), chunk("IEND", new Uint8Array(0))]);
}

/**
 * A logo of any size: a teal ring on transparent, as wide as the picture (its inner and outer
 * radius at 30% and 45% of the shorter side), the mark a QR code is given.
 */
export function ringLogo(width: number, height: number): Uint8Array {
  const r = Math.min(width, height);
  return encodeLargePng(width, height, (y, out) => {
    out.fill(0);
    for (let x = 0; x < width; x++) {
      const d = Math.hypot(x + 0.5 - width / 2, y + 0.5 - height / 2);
      if (d > r * 0.3 && d < r * 0.45) out.set([14, 116, 144, 255], x * 4);
    }
  });
}
