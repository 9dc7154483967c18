import type { Gradient } from "./appearance";
import type { RenderPlan } from "./plan";

/**
 * Where things land on the canvas, in pixels: shared by the SVG writer (which serialises it) and
 * the rasterizer (which paints colours and the logo itself over resvg's coverage), so both draw
 * the same document without one borrowing from the other.
 */

/** Rounds to the two decimals the SVG document writes; the rasterizer rounds alike to land on the same pixels. */
export const round2 = (n: number): number => Math.round(n * 100) / 100;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type GradientGeometry =
  | { type: "linear"; x1: number; y1: number; x2: number; y2: number }
  | { type: "radial"; cx: number; cy: number; r: number };

/**
 * Gradient geometry of qr-code-styling's _createColor: linear gradients span the box along the
 * rotated axis, radial ones are centred on it; coordinates are in user space, rounded as written
 * into the SVG so that the compositor paints exactly what the document says.
 */
export function gradientGeometry(gradient: Gradient, box: Box, additionalRotation: number): GradientGeometry {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  if (gradient.type === "radial") return { type: "radial", cx: round2(cx), cy: round2(cy), r: round2(Math.max(box.width, box.height) / 2) };
  const rotation = (gradient.rotation + additionalRotation) % (2 * Math.PI);
  const positive = (rotation + 2 * Math.PI) % (2 * Math.PI);
  let [x0, y0, x1, y1] = [cx, cy, cx, cy];
  const { width: w, height: h } = box;
  if (positive <= 0.25 * Math.PI || positive > 1.75 * Math.PI) {
    x0 -= w / 2; y0 -= (h / 2) * Math.tan(rotation); x1 += w / 2; y1 += (h / 2) * Math.tan(rotation);
  } else if (positive <= 0.75 * Math.PI) {
    y0 -= h / 2; x0 -= w / 2 / Math.tan(rotation); y1 += h / 2; x1 += w / 2 / Math.tan(rotation);
  } else if (positive <= 1.25 * Math.PI) {
    x0 += w / 2; y0 += (h / 2) * Math.tan(rotation); x1 -= w / 2; y1 -= (h / 2) * Math.tan(rotation);
  } else {
    y0 += h / 2; x0 += w / 2 / Math.tan(rotation); y1 -= h / 2; x1 -= w / 2 / Math.tan(rotation);
  }
  return { type: "linear", x1: Math.round(x0), y1: Math.round(y0), x2: Math.round(x1), y2: Math.round(y1) };
}

const CORNERS = [
  [0, 0, 0],
  [1, 0, Math.PI / 2],
  [0, 1, -Math.PI / 2],
] as const;

export interface FinderBoxes {
  /** the 7x7-module ring and the 3x3-module centre, in pixels */
  square: Box;
  dot: Box;
  /** qr-code-styling turns each corner's gradient with it */
  rotation: number;
}

/** Top-left, top-right, bottom-left: where each finder pattern is drawn. */
export function finderBoxes(plan: RenderPlan): FinderBoxes[] {
  const { matrix, dotSize, x0, y0 } = plan;
  return CORNERS.map(([column, row, rotation]) => {
    const x = x0 + column * dotSize * (matrix.size - 7);
    const y = y0 + row * dotSize * (matrix.size - 7);
    return {
      square: { x, y, width: 7 * dotSize, height: 7 * dotSize },
      dot: { x: x + 2 * dotSize, y: y + 2 * dotSize, width: 3 * dotSize, height: 3 * dotSize },
      rotation,
    };
  });
}
