import { hexToRgb, type Paint } from "./appearance";
import type { GradientGeometry } from "./geometry";

/**
 * Colours of one paint at any pixel, as SVG defines them: gradients are sampled at pixel centres,
 * padded beyond their ends, and interpolated between stops in sRGB. Gradients are tabulated once
 * (LUT_SIZE steps), so a pixel costs a dot product (or a square root) and three reads.
 */
export const LUT_SIZE = 1024;

export interface PaintSampler {
  /** the colour everywhere, for a solid paint; null for a gradient */
  readonly solid: readonly [number, number, number] | null;
  /** writes the colour at pixel (x, y) to out[at..at+2] */
  sample(x: number, y: number, out: Uint8Array | number[], at: number): void;
}

/** LUT_SIZE colours for t = 0..1; an offset lower than the one before it counts as equal (SVG 1.1 13.2.4). */
export function gradientTable(stops: readonly { offset: number; color: string }[]): Uint8Array {
  const offsets: number[] = [];
  for (const stop of stops) offsets.push(Math.max(stop.offset, offsets.at(-1) ?? 0));
  const colours = stops.map((stop) => hexToRgb(stop.color));
  const table = new Uint8Array(LUT_SIZE * 3);
  const lastStop = offsets.length - 1;
  let k = 0;
  for (let i = 0; i < LUT_SIZE; i++) {
    const t = i / (LUT_SIZE - 1);
    let colour: readonly number[];
    if (t <= offsets[0]!) colour = colours[0]!;
    else if (t >= offsets[lastStop]!) colour = colours[lastStop]!;
    else {
      // offsets[k] <= t < offsets[k + 1]; stops at equal offsets make a hard edge.
      while (offsets[k + 1]! <= t) k++;
      const from = colours[k]!;
      const to = colours[k + 1]!;
      const f = (t - offsets[k]!) / (offsets[k + 1]! - offsets[k]!);
      colour = [from[0] + (to[0] - from[0]) * f, from[1] + (to[1] - from[1]) * f, from[2] + (to[2] - from[2]) * f];
    }
    table[i * 3] = Math.round(colour[0]!);
    table[i * 3 + 1] = Math.round(colour[1]!);
    table[i * 3 + 2] = Math.round(colour[2]!);
  }
  return table;
}

export function paintSampler(paint: Paint, geometry: GradientGeometry | null): PaintSampler {
  if (!paint.gradient || !geometry) {
    const solid = hexToRgb(paint.color ?? "#000000");
    return {
      solid,
      sample(_x, _y, out, at) {
        out[at] = solid[0];
        out[at + 1] = solid[1];
        out[at + 2] = solid[2];
      },
    };
  }
  const table = gradientTable(paint.gradient.colorStops);
  const last = LUT_SIZE - 1;
  const write = (t: number, out: Uint8Array | number[], at: number) => {
    const index = 3 * (t <= 0 ? 0 : t >= 1 ? last : Math.round(t * last));
    out[at] = table[index]!;
    out[at + 1] = table[index + 1]!;
    out[at + 2] = table[index + 2]!;
  };
  if (geometry.type === "radial") {
    const { cx, cy, r } = geometry;
    const inverse = r > 0 ? 1 / r : 0;
    // A zero radius paints the last stop everywhere (SVG 1.1 13.2.3).
    return { solid: null, sample: (x, y, out, at) => write(r > 0 ? Math.hypot(x + 0.5 - cx, y + 0.5 - cy) * inverse : 1, out, at) };
  }
  const { x1, y1, x2, y2 } = geometry;
  const dx = x2 - x1;
  const dy = y2 - y1;
  const lengthSquared = dx * dx + dy * dy;
  // Coincident end points paint the last stop everywhere (SVG 1.1 13.2.2).
  const ux = lengthSquared > 0 ? dx / lengthSquared : 0;
  const uy = lengthSquared > 0 ? dy / lengthSquared : 0;
  return {
    solid: null,
    sample: (x, y, out, at) => write(lengthSquared > 0 ? (x + 0.5 - x1) * ux + (y + 0.5 - y1) * uy : 1, out, at),
  };
}
