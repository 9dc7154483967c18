import type { Paint } from "./appearance-options";
import type { RenderPlan } from "./plan";
import { inFinder } from "./shapes";
import { escapeXml } from "./svg";

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

/** A plain code's colours (background first) and, for every module, its colour's index. */
export function plainPalette(plan: RenderPlan): { palette: string[]; moduleIndex: (row: number, col: number) => number } {
  const { matrix, paints } = plan;
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
  return { palette, moduleIndex };
}

/** Whole numbers as they are, others to four decimals. */
const short = (n: number): string => String(Math.round(n * 10000) / 10000);

/**
 * A plain code as SVG, written the way node-qrcode writes its own (the smallest we know): the
 * document's units are modules (the viewBox puts module 0 where the plan puts it, so coordinates
 * are small whole numbers whatever the size), each colour is one path whose horizontal runs are
 * 1-module strokes ("M4 4.5h7m1 0h1": a move and a length per run; a new row starts with the
 * shorter of an absolute move and a relative one), and crispEdges keeps
 * runs on neighbouring rows from showing hairline seams when a viewer scales the image. The
 * picture is the plain PNG's, pixel for pixel at the planned size.
 */
export function renderPlainSvg(plan: RenderPlan): string {
  const { matrix, size, dotSize, x0, y0 } = plan;
  const count = matrix.size;
  const { palette, moduleIndex } = plainPalette(plan);
  const paths = palette.map(() => "");
  for (let index = 1; index < palette.length; index++) {
    let d = "";
    // Where the pen is: the end of the last run (row, column), or nowhere yet.
    let penRow = -1;
    let penCol = 0;
    for (let row = 0; row < count; row++) {
      for (let col = 0; col < count; ) {
        if (moduleIndex(row, col) !== index) {
          col++;
          continue;
        }
        const start = col;
        while (col < count && moduleIndex(row, col) === index) col++;
        if (penRow === row) d += `m${start - penCol} 0`;
        else {
          // A new row: whichever move is shorter, to the run or by the step from the last one.
          const absolute = `M${start} ${row + 0.5}`;
          const relative = `m${start - penCol} ${row - penRow}`;
          d += penRow < 0 || absolute.length <= relative.length ? absolute : relative;
        }
        d += `h${col - start}`;
        penRow = row;
        penCol = col;
      }
    }
    paths[index] = d;
  }
  const units = short(size / dotSize);
  // The background in whole modules, reaching past the canvas on every side (the viewport clips it).
  const from = Math.floor(-Math.max(x0, y0) / dotSize);
  const across = Math.ceil(size / dotSize) + 2;
  let body = `<path fill="${escapeXml(palette[0]!)}" d="M${from} ${from}h${across}v${across}H${from}z"/>`;
  for (let index = 1; index < palette.length; index++) if (paths[index]) body += `<path stroke="${escapeXml(palette[index]!)}" d="${paths[index]}"/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="${short(-x0 / dotSize)} ${short(-y0 / dotSize)} ${units} ${units}" shape-rendering="crispEdges">` +
    `${body}</svg>`
  );
}
