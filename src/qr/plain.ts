import { hexToRgb } from "./appearance-options";
import { plainPalette } from "./plain-svg";
import type { RenderPlan } from "./plan";
import { encodeIndexedPng } from "./png";

// What a plain code is, its palette and its SVG need no PNG writer (and its node:zlib): they live
// in plain-svg.ts, which the SVG path (and the browser's bundle) takes alone.
export { isPlain, renderPlainSvg } from "./plain-svg";

/** A plain code straight to an indexed PNG: no SVG, no rasterizer. */
export function renderPlainPng(plan: RenderPlan): Uint8Array {
  const { matrix, size, dotSize, x0, y0 } = plan;
  const count = matrix.size;
  const { palette, moduleIndex } = plainPalette(plan);
  const blank = new Uint8Array(size);
  // Two row buffers in turn: a new module row must be a different array from the one before it.
  const buffers = [new Uint8Array(size), new Uint8Array(size)];
  let cachedRow = -1;
  let cached = blank;
  return encodeIndexedPng(size, size, palette.map(hexToRgb), (y) => {
    const row = Math.floor((y - y0) / dotSize);
    if (y < y0 || row >= count) return blank;
    if (row !== cachedRow) {
      cachedRow = row;
      cached = buffers[row & 1]!;
      cached.fill(0);
      for (let col = 0; col < count; col++) {
        const index = moduleIndex(row, col);
        if (index !== 0) cached.fill(index, x0 + col * dotSize, x0 + (col + 1) * dotSize);
      }
    }
    return cached;
  });
}
