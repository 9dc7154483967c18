import { hexToRgb, type Paint } from "./appearance";
import type { RenderPlan } from "./plan";
import { encodeIndexedPng } from "./png";
import { inFinder } from "./shapes";

/**
 * A plain code (square modules, solid colours, no image, whole-pixel modules) is a few flat
 * colours on a pixel grid, so it is written straight to an indexed PNG: no SVG, no rasterizer.
 */
export function isPlain(plan: RenderPlan): boolean {
  const a = plan.appearance;
  const solid = (p: Paint | null) => p === null || p.gradient === null;
  return (
    a.shape === "square" &&
    a.dotsOptionsType === "square" &&
    a.dotsOptionsRoundSize &&
    (a.cornersSquareOptionsType === null || a.cornersSquareOptionsType === "square") &&
    (a.cornersDotOptionsType === null || a.cornersDotOptionsType === "square") &&
    plan.imageBox === null &&
    !plan.frame && // a frame's shapes and caption are drawn from the scene
    solid(plan.paints.dots) &&
    solid(plan.paints.background) &&
    solid(plan.paints.cornersSquare) &&
    solid(plan.paints.cornersDot)
  );
}

export function renderPlainPng(plan: RenderPlan): Uint8Array {
  const { matrix, size, dotSize, x0, y0, paints } = plan;
  const count = matrix.size;
  const colorOf = (p: Paint | null) => (p && !p.gradient ? p.color : null);
  const background = colorOf(paints.background)!;
  const dots = colorOf(paints.dots)!;
  const palette = [background, dots];
  const indexOf = (color: string | null): number => {
    if (color === null) return 1;
    const at = palette.indexOf(color);
    return at >= 0 ? at : palette.push(color) - 1;
  };
  const squareIndex = indexOf(colorOf(paints.cornersSquare));
  const dotIndex = indexOf(colorOf(paints.cornersDot));
  const moduleIndex = (row: number, col: number): number => {
    if (!matrix.isDark(row, col)) return 0;
    if (!inFinder(count, row, col)) return 1;
    // Finder centre (3x3) versus its ring, relative to whichever corner holds the module.
    const r = row < 7 ? row : row - (count - 7);
    const c = col < 7 ? col : col - (count - 7);
    return r >= 2 && r <= 4 && c >= 2 && c <= 4 ? dotIndex : squareIndex;
  };
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
