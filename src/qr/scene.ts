import type { Paint } from "./appearance";
import { functionModules } from "./codewords";
import { frameSceneLayers } from "./frame";
import { type Box, finderBoxes, gradientGeometry, type GradientGeometry } from "./geometry";
import { PathData } from "./path";
import { isHidden, type RenderPlan } from "./plan";
import { BOTTOM, drawCornerDot, drawCornerSquare, drawDot, finderDrawing, inFinder, LEFT, legibleDotType, neighboursOf, RIGHT, TOP } from "./shapes";

/**
 * What a plan paints, in order: the background over the whole canvas, then layers of path data,
 * each filled with one paint. The SVG writer prints this list and the rasterizer fills it, so a
 * code's PNG and SVG are one drawing (the centre image, drawn last, is the only part each
 * renderer places itself, from the plan's imageBox).
 */
export interface PaintedLayer {
  path: PathData;
  paint: Paint;
  /** where the paint's gradient runs, in canvas pixels; null for a solid paint */
  gradient: GradientGeometry | null;
}

export interface Scene {
  size: number;
  background: Omit<PaintedLayer, "path">;
  layers: PaintedLayer[];
}

/**
 * Collects layers: subpaths of one solid colour share a layer (one <path> in the document); each
 * gradient gets a layer of its own, since its geometry depends on the box it spans.
 */
class SceneBuilder {
  readonly layers: PaintedLayer[] = [];
  private readonly solid = new Map<string, PaintedLayer>();

  /** The path to draw into for a paint whose gradient spans `box`, turned by `additionalRotation`. */
  pathFor(paint: Paint, box: Box, additionalRotation = 0): PathData {
    if (paint.gradient) {
      const layer = { path: new PathData(), paint, gradient: gradientGeometry(paint.gradient, box, additionalRotation) };
      this.layers.push(layer);
      return layer.path;
    }
    let layer = this.solid.get(paint.color);
    if (!layer) {
      layer = { path: new PathData(), paint, gradient: null };
      this.solid.set(paint.color, layer);
      this.layers.push(layer);
    }
    return layer.path;
  }
}

export function sceneOf(plan: RenderPlan): Scene {
  const { size, paints } = plan;
  const canvas = { x: 0, y: 0, width: size, height: size };
  const background = { paint: paints.background, gradient: paints.background.gradient ? gradientGeometry(paints.background.gradient, canvas, 0) : null };
  const builder = new SceneBuilder();
  const dotsPath = builder.pathFor(paints.dots, canvas);
  drawModules(plan, dotsPath);
  drawCorners(plan, builder, dotsPath);
  // A frame and its caption come last, each a layer of its own: the caption is painted over its band.
  return { size, background, layers: [...builder.layers, ...frameSceneLayers(plan)] };
}

function drawModules(plan: RenderPlan, path: PathData): void {
  const { matrix, dotSize, x0, y0, hidden, appearance } = plan;
  const count = matrix.size;
  const hide = appearance.imageOptionsHideBackgroundDots && plan.imageBox !== null;
  // Which modules the dots layer draws, with a blank border so neighbours need no bounds checks.
  const side = count + 2;
  const drawn = new Uint8Array(side * side);
  for (let row = 0; row < count; row++)
    for (let col = 0; col < count; col++)
      if (matrix.isDark(row, col) && !inFinder(count, row, col) && !(hide && isHidden(count, hidden, row, col))) drawn[(row + 1) * side + col + 1] = 1;
  const type = legibleDotType(appearance.dotsOptionsType, dotSize, appearance.scannability);
  // Loose dots make an alignment pattern a scatter jsQR does not always find from version 2 up
  // (measured in bench/scannability.ts: 7 of 44 codes failed); under "universal" its modules are
  // drawn as "rounded" ones, whose half-module corners read everywhere.
  const alignment = type === "dots" && appearance.scannability === "universal" ? functionModules(matrix.version).isAlignment : null;
  for (let row = 0; row < count; row++) {
    if (type === "square") {
      // Horizontal runs make far fewer subpaths than one square per module.
      for (let col = 0; col < count; ) {
        if (!drawn[(row + 1) * side + col + 1]) {
          col++;
          continue;
        }
        const start = col;
        while (col < count && drawn[(row + 1) * side + col + 1]) col++;
        path.rect(x0 + start * dotSize, y0 + row * dotSize, (col - start) * dotSize, dotSize);
      }
      continue;
    }
    for (let col = 0; col < count; col++) {
      const at = (row + 1) * side + col + 1;
      if (!drawn[at]) continue;
      let neighbours = (drawn[at - 1] ? LEFT : 0) | (drawn[at + 1] ? RIGHT : 0) | (drawn[at - side] ? TOP : 0) | (drawn[at + side] ? BOTTOM : 0);
      if (alignment?.[row * count + col]) {
        // An alignment pattern's modules join only each other.
        neighbours = neighboursOf((dr, dc) => drawn[at + dr * side + dc] === 1 && alignment[(row + dr) * count + col + dc] === 1);
        drawDot(path, "rounded", x0 + col * dotSize, y0 + row * dotSize, dotSize, neighbours);
        continue;
      }
      drawDot(path, type, x0 + col * dotSize, y0 + row * dotSize, dotSize, neighbours);
    }
  }
  if (appearance.shape === "circle") drawCircleFill(plan, path);
}

/**
 * For the circle shape, qr-code-styling fills the ring between the symbol and the circle with
 * decorative modules copied from the symbol, keeping a one-module gap as quiet zone.
 */
function drawCircleFill(plan: RenderPlan, path: PathData): void {
  const { matrix, dotSize, x0, y0, size, margin, appearance } = plan;
  const count = matrix.size;
  const minSize = size - margin * 2;
  const round = (v: number) => (appearance.dotsOptionsRoundSize ? Math.floor(v) : v);
  const extra = round((minSize / dotSize - count) / 2);
  if (extra <= 0) return;
  const fakeCount = count + extra * 2;
  const center = round(fakeCount / 2);
  const source = (i: number) => (i - 2 * extra < 0 ? i : i >= count ? i - 2 * extra : i - extra);
  const fake = (row: number, col: number): boolean => {
    if (row < 0 || col < 0 || row >= fakeCount || col >= fakeCount) return false;
    if (row >= extra - 1 && row <= fakeCount - extra && col >= extra - 1 && col <= fakeCount - extra) return false;
    if (Math.hypot(row - center, col - center) > center) return false;
    return matrix.isDark(source(col), source(row));
  };
  const type = legibleDotType(appearance.dotsOptionsType, dotSize, appearance.scannability);
  const fx = x0 - extra * dotSize;
  const fy = y0 - extra * dotSize;
  for (let row = 0; row < fakeCount; row++)
    for (let col = 0; col < fakeCount; col++)
      if (fake(row, col))
        drawDot(path, type, fx + col * dotSize, fy + row * dotSize, dotSize, neighboursOf((dr, dc) => fake(row + dr, col + dc)));
}

function drawCorners(plan: RenderPlan, layers: SceneBuilder, dotsPath: PathData): void {
  const { dotSize, appearance: a, paints } = plan;
  // Corners without a type of their own are drawn module by module in the dots' type.
  const dots = legibleDotType(a.dotsOptionsType, dotSize, a.scannability);
  const finder = finderDrawing(a.cornersSquareOptionsType ?? dots, a.cornersDotOptionsType ?? dots, dots, a.scannability, plan.universalRing);
  for (const { square, dot, rotation } of finderBoxes(plan)) {
    const squarePath = paints.cornersSquare ? layers.pathFor(paints.cornersSquare, square, rotation) : dotsPath;
    drawCornerSquare(squarePath, finder.ring, square.x, square.y, dotSize);
    const dotPath = paints.cornersDot ? layers.pathFor(paints.cornersDot, dot, rotation) : dotsPath;
    drawCornerDot(dotPath, finder.centre, square.x, square.y, dotSize);
  }
}

