import type { CornerDotType, CornerSquareType, DotType } from "./appearance";
import type { PathData } from "./path";

/**
 * Module shapes with the neighbour rules of qr-code-styling, emitted as absolute path data so that
 * a whole layer becomes one <path>. Every outline is wound clockwise: under the nonzero rule the
 * union of touching shapes then has no seams, and rings get their holes from counter-clockwise
 * inner outlines.
 */

type Op = readonly ["M" | "L", number, number] | readonly ["A", number, 0 | 1, number, number] | readonly ["Z"];

// Shapes in a unit cell, drawn in their canonical orientation.
const SQUARE: Op[] = [["M", 0, 0], ["L", 1, 0], ["L", 1, 1], ["L", 0, 1], ["Z"]];
const CIRCLE: Op[] = [["M", 0, 0.5], ["A", 0.5, 1, 1, 0.5], ["A", 0.5, 1, 0, 0.5], ["Z"]];
/** right side rounded */
const SIDE_ROUNDED: Op[] = [["M", 0, 0], ["L", 0.5, 0], ["A", 0.5, 1, 0.5, 1], ["L", 0, 1], ["Z"]];
/** top-right corner rounded with half a module */
const CORNER_ROUNDED: Op[] = [["M", 0, 0], ["L", 0.5, 0], ["A", 0.5, 1, 1, 0.5], ["L", 1, 1], ["L", 0, 1], ["Z"]];
/** top-right corner rounded with a whole module */
const CORNER_EXTRA_ROUNDED: Op[] = [["M", 0, 0], ["A", 1, 1, 1, 1], ["L", 0, 1], ["Z"]];
/** bottom-left and top-right corners rounded */
const CORNERS_ROUNDED: Op[] = [["M", 0, 0], ["L", 0.5, 0], ["A", 0.5, 1, 1, 0.5], ["L", 1, 1], ["L", 0.5, 1], ["A", 0.5, 1, 0, 0.5], ["Z"]];

/** Draws a unit-cell shape at (x, y) with edge `size`, turned clockwise by `quarterTurns`. */
function place(path: PathData, ops: readonly Op[], x: number, y: number, size: number, quarterTurns = 0): void {
  const turns = ((quarterTurns % 4) + 4) % 4;
  for (const op of ops) {
    if (op[0] === "Z") {
      path.close();
      continue;
    }
    const u = op[0] === "A" ? op[3] : op[1];
    const v = op[0] === "A" ? op[4] : op[2];
    // A quarter turn clockwise maps (u, v) to (1 - v, u).
    const pu = turns === 0 ? u : turns === 1 ? 1 - v : turns === 2 ? 1 - u : v;
    const pv = turns === 0 ? v : turns === 1 ? u : turns === 2 ? 1 - v : 1 - u;
    if (op[0] === "A") path.arcTo(op[1] * size, op[2], x + pu * size, y + pv * size);
    else if (op[0] === "M") path.moveTo(x + pu * size, y + pv * size);
    else path.lineTo(x + pu * size, y + pv * size);
  }
}

/**
 * Below 3 px a module cannot show a full-module corner radius, and those shapes lose so much ink
 * that decoders miss them (measured: classy-rounded at 2 px failed ZXing and jsQR every time,
 * extra-rounded often). Their half-radius siblings look the same at that size and always read.
 */
export const MIN_PX_FOR_FULL_RADIUS = 3;
/**
 * Under "universal" the half-radius siblings are drawn at every size: with large modules jsQR
 * loses some symbols drawn with whole-module corners (measured on one version 3-H code from 900 to
 * 1100 px: classy-rounded failed at all 21 sizes, extra-rounded at 3, classy and rounded at none;
 * over the calibration grid 1 or 2 of 44 codes each).
 */
export function legibleDotType(type: DotType, dotSize: number, scannability: "universal" | "relaxed" = "relaxed"): DotType {
  if (dotSize >= MIN_PX_FOR_FULL_RADIUS && scannability === "relaxed") return type;
  return type === "extra-rounded" ? "rounded" : type === "classy-rounded" ? "classy" : type;
}

/**
 * Which of a module's four neighbours are drawn (dark and not filtered out), as bits: a number
 * rather than a callback, since a code has thousands of modules.
 */
export const LEFT = 1;
export const RIGHT = 2;
export const TOP = 4;
export const BOTTOM = 8;

/** One module of a `dotsOptionsType`, shaped by its four neighbours as qr-code-styling does. */
export function drawDot(path: PathData, type: DotType, x: number, y: number, size: number, neighbours: number): void {
  if (type === "square") return place(path, SQUARE, x, y, size);
  if (type === "dots") return place(path, CIRCLE, x, y, size);
  const left = (neighbours & LEFT) !== 0;
  const right = (neighbours & RIGHT) !== 0;
  const top = (neighbours & TOP) !== 0;
  const bottom = (neighbours & BOTTOM) !== 0;
  const count = +left + +right + +top + +bottom;
  if (type === "rounded" || type === "extra-rounded") {
    if (count === 0) return place(path, CIRCLE, x, y, size);
    if (count > 2 || (left && right) || (top && bottom)) return place(path, SQUARE, x, y, size);
    if (count === 2) {
      // The corner away from both neighbours is rounded.
      const turns = left && top ? 1 : top && right ? 2 : right && bottom ? 3 : 0;
      return place(path, type === "rounded" ? CORNER_ROUNDED : CORNER_EXTRA_ROUNDED, x, y, size, turns);
    }
    const turns = top ? 1 : right ? 2 : bottom ? 3 : 0;
    return place(path, SIDE_ROUNDED, x, y, size, turns);
  }
  // classy and classy-rounded: round the outer corners of isolated runs, leaf-like.
  const corner = type === "classy" ? CORNER_ROUNDED : CORNER_EXTRA_ROUNDED;
  if (count === 0) return place(path, CORNERS_ROUNDED, x, y, size, 1);
  if (!left && !top) return place(path, corner, x, y, size, 3);
  if (!right && !bottom) return place(path, corner, x, y, size, 1);
  return place(path, SQUARE, x, y, size);
}

/** The neighbour bits of a module, given whether the module at a row and column offset is drawn. */
export function neighboursOf(drawnAt: (dRow: number, dCol: number) => boolean): number {
  return (drawnAt(0, -1) ? LEFT : 0) | (drawnAt(0, 1) ? RIGHT : 0) | (drawnAt(-1, 0) ? TOP : 0) | (drawnAt(1, 0) ? BOTTOM : 0);
}

const SQUARE_MASK = Array.from({ length: 7 }, (_, r) => Array.from({ length: 7 }, (_, c) => r === 0 || r === 6 || c === 0 || c === 6));
const DOT_MASK = Array.from({ length: 7 }, (_, r) => Array.from({ length: 7 }, (_, c) => r >= 2 && r <= 4 && c >= 2 && c <= 4));

/** Draws a 7x7 mask module by module with a dot type (corner types without a shape of their own). */
function drawMask(path: PathData, mask: boolean[][], type: DotType, x: number, y: number, dotSize: number): void {
  for (let r = 0; r < 7; r++)
    for (let c = 0; c < 7; c++)
      if (mask[r]![c]) drawDot(path, type, x + c * dotSize, y + r * dotSize, dotSize, neighboursOf((dr, dc) => mask[r + dr]?.[c + dc] === true));
}

type RingShape = CornerSquareType | DotType;
type CentreShape = CornerDotType | DotType;
/**
 * What a finder ring is drawn as: a requested shape, or a square ring whose outer corners are
 * rounded by `roundedSquare` modules and whose hole's corners by `innerRadius` (default one less).
 */
export type RingDrawing = RingShape | { roundedSquare: number; innerRadius?: number };

/**
 * The ring every decoder family we test reads at every version and size (bench/scannability.ts):
 * square outside, its hole rounded by half a module. quirc, unlike ZXing, jsQR and ZBar, takes a
 * finder's four corners from the ring's extreme points and projects the whole grid from them, so
 * any rounding of the outer corners moves them inwards: measured over versions 1-40, L/H, 300 and
 * 1000 px, an outer radius of 0.25 module already failed once in 60, 0.5 failed 8 in 60 (versions
 * 25+), 1 failed 21, 1.5 failed 40, and every non-square ring style failed at version 40. The hole
 * does not move those corners; jsQR, which measures the ring along the centre line, tolerates
 * half a module there and failed from one module at version 40.
 */
export const UNIVERSAL_RING: RingDrawing = { roundedSquare: 0, innerRadius: 0.5 };

/**
 * Decoders find a code by its finder patterns, checking the 1:1:3:1:1 proportions across rows,
 * columns and both diagonals. Some qr-code-styling combinations break that: a centre of nine
 * separate dots has gaps; a round centre in a square ring (or the reverse) is off along the
 * diagonals; among data drawn as loose dots (or a ring of dots) only the squarest centres still
 * stand out. Measured with ZXing and jsQR at 100, 300 and 1000 px for every pair and dot type,
 * failing pairs are swapped for the nearest pair that reads everywhere; the rest are drawn as asked.
 *
 * The round ring ("dot") reads in ZXing and jsQR but not in ZBar, whose finder search wants the
 * 1:1:3:1:1 run on several parallel lines: off the centre line a circle's chords break it. ZBar
 * failed a round ring at 16 of 49 sizes from 200 to 2,000 px on a URL code (6 of 49 on a longer
 * one) and the extra-rounded ring at none of 98, so the round ring is drawn extra-rounded, the
 * nearest shape every decoder reads; its centre keeps its own shape.
 */
export function scanSafeFinder(ring: RingShape, centre: CentreShape, dots: DotType): { ring: RingShape; centre: CentreShape } {
  if (ring === "dot") return scanSafeFinder("extra-rounded", centre === "extra-rounded" ? centre : "dot", dots);
  const noisy = ring === "dots" || dots === "dots";
  const allowed: readonly CentreShape[] = noisy
    ? ring === "extra-rounded" ? ["dot", "rounded", "classy"] : ["square", "rounded", "classy"]
    : ring === "extra-rounded" ? ["dot", "square", "rounded", "classy", "classy-rounded", "extra-rounded"] : ["square", "rounded", "classy", "classy-rounded", "extra-rounded"];
  return { ring, centre: allowed.includes(centre) ? centre : "rounded" };
}

/**
 * The finder as drawn under a guarantee. "relaxed" draws exactly what was asked. "universal" (the
 * default) keeps to what every decoder family reads: every ring but the square one is drawn as
 * UNIVERSAL_RING (or `ring`, when a calibration sweeps it), the nearest look that reads, and the
 * centre is the one scanSafeFinder keeps in a square ring.
 */
export function finderDrawing(
  ring: RingShape,
  centre: CentreShape,
  dots: DotType,
  scannability: "universal" | "relaxed",
  universalRing: RingDrawing = UNIVERSAL_RING,
): { ring: RingDrawing; centre: CentreShape } {
  if (scannability === "relaxed") return { ring, centre };
  const safe = scanSafeFinder("square", centre, dots);
  // Centres with whole-module corners lose the 3-module run jsQR measures along the diagonals of a
  // square ring (measured: 4 or 5 of 44 codes failed from version 20); the half-module corners of
  // "rounded" read everywhere.
  const centreDrawn = safe.centre === "classy-rounded" || safe.centre === "extra-rounded" ? "rounded" : safe.centre;
  return { ring: ring === "square" ? ring : universalRing, centre: centreDrawn };
}

/** True when "universal" draws the finder exactly as asked, so "relaxed" changes nothing. */
export function finderIsUniversal(ring: RingShape, centre: CentreShape, dots: DotType): boolean {
  const universal = finderDrawing(ring, centre, dots, "universal");
  return universal.ring === ring && universal.centre === centre;
}

/** The outer 7x7 ring of a finder pattern. */
export function drawCornerSquare(path: PathData, type: RingDrawing, x: number, y: number, dotSize: number): void {
  const size = dotSize * 7;
  if (typeof type === "object") {
    const r = Math.min(type.roundedSquare, 3.5) * dotSize;
    path.roundedRect(x, y, size, size, r);
    const inner = type.innerRadius === undefined ? Math.max(0, r - dotSize) : Math.min(type.innerRadius, 2.5) * dotSize;
    path.roundedRect(x + dotSize, y + dotSize, size - 2 * dotSize, size - 2 * dotSize, inner, false);
    return;
  }
  switch (type) {
    case "square":
      path.rect(x, y, size, size);
      path.rect(x + dotSize, y + dotSize, size - 2 * dotSize, size - 2 * dotSize, false);
      return;
    case "dot":
      path.circle(x + size / 2, y + size / 2, size / 2);
      path.circle(x + size / 2, y + size / 2, size / 2 - dotSize, false);
      return;
    case "extra-rounded":
      path.roundedRect(x, y, size, size, 2.5 * dotSize);
      path.roundedRect(x + dotSize, y + dotSize, size - 2 * dotSize, size - 2 * dotSize, 1.5 * dotSize, false);
      return;
    default:
      drawMask(path, SQUARE_MASK, type, x, y, dotSize);
  }
}

/** The 3x3 centre of a finder pattern. */
export function drawCornerDot(path: PathData, type: CentreShape, x: number, y: number, dotSize: number): void {
  switch (type) {
    case "square":
      return path.rect(x + 2 * dotSize, y + 2 * dotSize, 3 * dotSize, 3 * dotSize);
    case "dot":
      return path.circle(x + 3.5 * dotSize, y + 3.5 * dotSize, 1.5 * dotSize);
    default:
      drawMask(path, DOT_MASK, type, x, y, dotSize);
  }
}

/** True for modules of the three 7x7 finder patterns, which the corner layers draw. */
export function inFinder(count: number, row: number, col: number): boolean {
  return (row < 7 && col < 7) || (row < 7 && col >= count - 7) || (row >= count - 7 && col < 7);
}
