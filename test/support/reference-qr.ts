/**
 * Reference QR images produced WITHOUT our engine (lean-qr + the test-only PNG writer in
 * png-fixtures.ts / hand-written SVG), used to prove the decode harness itself works and can fail.
 */
import { generate, mode, type Bitmap2D } from "lean-qr";
import { encodePngFixture } from "./png-fixtures";

/** Byte-mode UTF-8 (with ECI 26) is allowed, so any string is encodable. */
export function referenceQr(text: string): Bitmap2D {
  return generate(text, { modes: [mode.numeric, mode.alphaNumeric, mode.ascii, mode.utf8] });
}

export interface RasterOptions {
  /** pixels per module (default 8) */
  scale?: number;
  /** quiet zone in modules (default 4) */
  quiet?: number;
  /** RGBA of dark modules (default opaque black) */
  on?: readonly [number, number, number, number];
  /** RGBA of light modules and quiet zone (default opaque white) */
  off?: readonly [number, number, number, number];
}

/** RGBA PNG, black-on-white by default. */
export function qrToPng(
  code: Bitmap2D,
  { scale = 8, quiet = 4, on = [0, 0, 0, 255], off = [255, 255, 255, 255] }: RasterOptions = {},
): Uint8Array {
  const px = (code.size + 2 * quiet) * scale;
  // (pngjs's writer would do too, but takes ~300 ms per image inside workerd)
  return encodePngFixture({
    width: px,
    height: px,
    colorType: 6,
    bitDepth: 8,
    pixel: (x, y) => [...(code.get(Math.floor(x / scale) - quiet, Math.floor(y / scale) - quiet) ? on : off)],
  });
}

/** Solid white PNG: must decode to nothing. */
export function blankPng(width: number, height: number): Uint8Array {
  return encodePngFixture({ width, height, colorType: 2, bitDepth: 8, pixel: () => [255, 255, 255] });
}

/** SVG made of one <rect> per dark module, in module units (viewBox), on a white background. */
export function qrToSvg(code: Bitmap2D, { quiet = 4 }: Pick<RasterOptions, "quiet"> = {}): string {
  const n = code.size + 2 * quiet;
  const rects: string[] = [];
  for (let y = 0; y < code.size; y++) {
    for (let x = 0; x < code.size; x++) {
      if (code.get(x, y)) rects.push(`<rect x="${x + quiet}" y="${y + quiet}" width="1" height="1"/>`);
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n} ${n}" width="${n}" height="${n}" shape-rendering="crispEdges">` +
    `<rect width="100%" height="100%" fill="#fff"/><g fill="#000">${rects.join("")}</g></svg>`
  );
}

