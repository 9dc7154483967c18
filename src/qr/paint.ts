import { hexToRgb, type Paint } from "./appearance-options";
import type { GradientGeometry } from "./geometry";

/**
 * Colours of one paint at any pixel, as SVG defines them: gradients are sampled at pixel centres,
 * padded beyond their ends, and interpolated between stops in sRGB. Gradients are tabulated once
 * (LUT_SIZE steps), so a pixel costs an addition (or a square root) and three reads.
 */
export const LUT_SIZE = 1024;

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

/**
 * Paints rows of one layer. A layer's coverage arrives as the accumulated areas of coverage.ts:
 * the running sum along a row is each pixel's coverage, and the paint is laid over what is below
 * by it (source-over, as an SVG renderer fills a path). The colour loops are written out per kind
 * of paint, with the gradient's position stepped along the row, because they run for every pixel
 * of every layer: a call per pixel to a sampler took 40% of a styled 500 px render.
 */
export interface RowPainter {
  /** the colour everywhere, for a solid paint; null for a gradient */
  readonly solid: readonly [number, number, number] | null;
  /** Paints pixels [x, x + width) of row y completely; `at` is the first pixel's offset in `out` (RGB). */
  fill(out: Uint8Array, at: number, x: number, width: number, y: number): void;
  /**
   * Lays the paint over pixels [x, x + width) of row y by coverage: the running sum of
   * acc[from...] (the caller clears the sums it has read).
   */
  cover(acc: Float32Array, from: number, out: Uint8Array, at: number, x: number, width: number, y: number): void;
}

/** Coverage below this leaves a pixel as it is, above 1 - this paints it outright (both under half a level of 255). */
const NOTHING = 0.002;

/** Tables of the gradients drawn lately: a design's gradients are the same at every download. */
const tables = new Map<string, Uint8Array>();

function cachedGradientTable(stops: readonly { offset: number; color: string }[]): Uint8Array {
  const key = stops.map((stop) => `${stop.offset} ${stop.color}`).join(",");
  let table = tables.get(key);
  if (!table) {
    if (tables.size >= 64) tables.clear();
    tables.set(key, (table = gradientTable(stops)));
  }
  return table;
}

export function rowPainter(paint: Paint, geometry: GradientGeometry | null): RowPainter {
  if (!paint.gradient || !geometry) {
    const solid = hexToRgb(paint.color ?? "#000000");
    return new AxisPainter(Uint8Array.from(solid), 0, 0, 0, 0, solid);
  }
  const table = cachedGradientTable(paint.gradient.colorStops);
  if (geometry.type === "radial") return new RadialPainter(table, geometry.cx, geometry.cy, geometry.r);
  const { x1, y1, x2, y2 } = geometry;
  const dx = x2 - x1;
  const dy = y2 - y1;
  const lengthSquared = dx * dx + dy * dy;
  // Coincident end points paint the last stop everywhere (SVG 1.1 13.2.2).
  if (lengthSquared === 0) return new AxisPainter(table.slice(table.length - 3), 0, 0, 0, 0, null);
  return new AxisPainter(table, x1, y1, dx / lengthSquared, dy / lengthSquared, null);
}

/**
 * A linear gradient: t = (p - p1) . (p2 - p1) / |p2 - p1|^2 at each pixel centre, stepping by ux
 * along a row. A solid colour is the same with a one-colour table and no slope.
 */
class AxisPainter implements RowPainter {
  private readonly last: number;

  constructor(
    private readonly table: Uint8Array,
    private readonly x1: number,
    private readonly y1: number,
    private readonly ux: number,
    private readonly uy: number,
    readonly solid: readonly [number, number, number] | null,
  ) {
    this.last = table.length / 3 - 1;
  }

  fill(out: Uint8Array, at: number, x: number, width: number, y: number): void {
    const { table, last, ux } = this;
    let t = (x + 0.5 - this.x1) * ux + (y + 0.5 - this.y1) * this.uy;
    for (let i = 0; i < width; i++, at += 3, t += ux) {
      const k = 3 * (t <= 0 ? 0 : t >= 1 ? last : (t * last + 0.5) | 0);
      out[at] = table[k]!;
      out[at + 1] = table[k + 1]!;
      out[at + 2] = table[k + 2]!;
    }
  }

  cover(acc: Float32Array, from: number, out: Uint8Array, at: number, x: number, width: number, y: number): void {
    const { table, last, ux } = this;
    let t = (x + 0.5 - this.x1) * ux + (y + 0.5 - this.y1) * this.uy;
    let sum = 0;
    const end = from + width;
    for (let i = from; i < end; ) {
      sum += acc[i]!;
      const cover = sum < 0 ? -sum : sum;
      if (cover < NOTHING || cover > 1 - NOTHING) {
        // The sum holds until the next cell an edge touched: skip or paint that run whole.
        let next = i + 1;
        while (next < end && acc[next] === 0) next++;
        if (cover < NOTHING) {
          at += 3 * (next - i);
          t += ux * (next - i);
          i = next;
          continue;
        }
        for (; i < next; i++, at += 3, t += ux) {
          const k = 3 * (t <= 0 ? 0 : t >= 1 ? last : (t * last + 0.5) | 0);
          out[at] = table[k]!;
          out[at + 1] = table[k + 1]!;
          out[at + 2] = table[k + 2]!;
        }
        continue;
      }
      const k = 3 * (t <= 0 ? 0 : t >= 1 ? last : (t * last + 0.5) | 0);
      blend(out, at, table, k, cover);
      i++;
      at += 3;
      t += ux;
    }
  }
}

/** Source-over of table[k..k+2] with opacity `cover` onto out[at..at+2]. */
function blend(out: Uint8Array, at: number, table: Uint8Array, k: number, cover: number): void {
  const r = out[at]!;
  const g = out[at + 1]!;
  const b = out[at + 2]!;
  out[at] = (r + (table[k]! - r) * cover + 0.5) | 0;
  out[at + 1] = (g + (table[k + 1]! - g) * cover + 0.5) | 0;
  out[at + 2] = (b + (table[k + 2]! - b) * cover + 0.5) | 0;
}

/** A radial gradient: t is the distance from the centre over the radius. */
class RadialPainter implements RowPainter {
  readonly solid = null;
  private readonly last: number;
  private readonly inverse: number;

  constructor(
    private readonly table: Uint8Array,
    private readonly cx: number,
    private readonly cy: number,
    r: number,
  ) {
    this.last = table.length / 3 - 1;
    // A zero radius paints the last stop everywhere (SVG 1.1 13.2.3).
    this.inverse = r > 0 ? 1 / r : Infinity;
  }

  private index(x: number, dy2: number): number {
    const dx = x + 0.5 - this.cx;
    const t = Math.sqrt(dx * dx + dy2) * this.inverse;
    return 3 * (t >= 1 || Number.isNaN(t) ? this.last : (t * this.last + 0.5) | 0);
  }

  fill(out: Uint8Array, at: number, x: number, width: number, y: number): void {
    const { table } = this;
    const dy = y + 0.5 - this.cy;
    const dy2 = dy * dy;
    for (let i = 0; i < width; i++, at += 3) {
      const k = this.index(x + i, dy2);
      out[at] = table[k]!;
      out[at + 1] = table[k + 1]!;
      out[at + 2] = table[k + 2]!;
    }
  }

  cover(acc: Float32Array, from: number, out: Uint8Array, at: number, x: number, width: number, y: number): void {
    const { table } = this;
    const dy = y + 0.5 - this.cy;
    const dy2 = dy * dy;
    let sum = 0;
    const end = from + width;
    for (let i = from; i < end; i++, at += 3) {
      sum += acc[i]!;
      const cover = sum < 0 ? -sum : sum;
      if (cover < NOTHING) continue;
      const k = this.index(x + i - from, dy2);
      if (cover > 1 - NOTHING) {
        out[at] = table[k]!;
        out[at + 1] = table[k + 1]!;
        out[at + 2] = table[k + 2]!;
      } else blend(out, at, table, k, cover);
    }
  }
}
