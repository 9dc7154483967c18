/**
 * Path data for one painted layer, kept as numbers: the SVG writer prints it (`toString`, the
 * exact text the document always had) and the rasterizer flattens the very same numbers into
 * edges (`flatten`), so a PNG and an SVG of one plan draw one geometry, not two that agree.
 *
 * Coordinates are rounded to the two decimals the document writes (when recorded; a rectangle's
 * when it is printed or flattened, as a reader of its relative steps would), so a reader of the
 * SVG and the rasterizer start from identical values.
 */

import { round2 } from "./geometry";

/** How far, in pixels, a chord may stray from the arc it stands for. */
const TOLERANCE = 0.05;

const MOVE = 0;
const LINE = 1;
/** radius, sweep flag, end x, end y (rotation and large-arc flag are always 0 here) */
const ARC = 2;
const CLOSE = 3;
/** x, y, width, height, clockwise: written with relative h/v commands, as the document always did */
const RECT = 4;

const ARGUMENTS = [2, 2, 4, 0, 5] as const;

/** What outlines are drawn into: PathData, or a recorder in tests. */
export interface PathSink {
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  /** a circular arc of radius r to (x, y), the short way round, clockwise on screen when sweep is 1 */
  arcTo(r: number, sweep: 0 | 1, x: number, y: number): void;
  close(): void;
}

/** A rectangle with corners of radius r, clockwise unless asked otherwise (a hole in a clockwise shape). */
export function roundedRect(sink: PathSink, x: number, y: number, w: number, h: number, r: number, clockwise = true): void {
  const sweep = clockwise ? 1 : 0;
  sink.moveTo(x + r, y);
  if (clockwise) {
    sink.lineTo(x + w - r, y);
    sink.arcTo(r, sweep, x + w, y + r);
    sink.lineTo(x + w, y + h - r);
    sink.arcTo(r, sweep, x + w - r, y + h);
    sink.lineTo(x + r, y + h);
    sink.arcTo(r, sweep, x, y + h - r);
    sink.lineTo(x, y + r);
    sink.arcTo(r, sweep, x + r, y);
  } else {
    sink.arcTo(r, sweep, x, y + r);
    sink.lineTo(x, y + h - r);
    sink.arcTo(r, sweep, x + r, y + h);
    sink.lineTo(x + w - r, y + h);
    sink.arcTo(r, sweep, x + w, y + h - r);
    sink.lineTo(x + w, y + r);
    sink.arcTo(r, sweep, x + w - r, y);
  }
  sink.close();
}

/** Receives straight edges; horizontal ones may be skipped by the receiver. */
export interface EdgeSink {
  edge(x0: number, y0: number, x1: number, y1: number): void;
}

export class PathData implements PathSink {
  private ops = new Float64Array(256);
  private length = 0;

  get isEmpty(): boolean {
    return this.length === 0;
  }

  private push(code: number, a = 0, b = 0, c = 0, d = 0, e = 0): void {
    if (this.length + 6 > this.ops.length) {
      const grown = new Float64Array(this.ops.length * 2);
      grown.set(this.ops);
      this.ops = grown;
    }
    const ops = this.ops;
    let at = this.length;
    ops[at++] = code;
    const count = ARGUMENTS[code as 0]!;
    if (count > 0) ops[at++] = a;
    if (count > 1) ops[at++] = b;
    if (count > 2) ops[at++] = c;
    if (count > 3) ops[at++] = d;
    if (count > 4) ops[at++] = e;
    this.length = at;
  }

  moveTo(x: number, y: number): void {
    this.push(MOVE, round2(x), round2(y));
  }

  lineTo(x: number, y: number): void {
    this.push(LINE, round2(x), round2(y));
  }

  /** A circular arc of radius `r` to (x, y), the short way round, clockwise on screen when `sweep` is 1. */
  arcTo(r: number, sweep: 0 | 1, x: number, y: number): void {
    this.push(ARC, round2(r), sweep, round2(x), round2(y));
  }

  close(): void {
    this.push(CLOSE);
  }

  rect(x: number, y: number, width: number, height: number, clockwise = true): void {
    this.push(RECT, x, y, width, height, clockwise ? 1 : 0);
  }

  circle(cx: number, cy: number, r: number, clockwise = true): void {
    const sweep = clockwise ? 1 : 0;
    this.moveTo(cx - r, cy);
    this.arcTo(r, sweep, cx + r, cy);
    this.arcTo(r, sweep, cx - r, cy);
    this.close();
  }

  roundedRect(x: number, y: number, w: number, h: number, r: number, clockwise = true): void {
    roundedRect(this, x, y, w, h, r, clockwise);
  }

  /** The path's `d` attribute. */
  toString(): string {
    const ops = this.ops;
    let d = "";
    for (let at = 0; at < this.length; ) {
      const code = ops[at]!;
      if (code === MOVE) d += `M${ops[at + 1]},${ops[at + 2]}`;
      else if (code === LINE) d += `L${ops[at + 1]},${ops[at + 2]}`;
      else if (code === ARC) d += `A${ops[at + 1]},${ops[at + 1]} 0 0 ${ops[at + 2]} ${ops[at + 3]},${ops[at + 4]}`;
      else if (code === CLOSE) d += "Z";
      else {
        const [x, y, w, h] = [ops[at + 1]!, ops[at + 2]!, ops[at + 3]!, ops[at + 4]!];
        d +=
          ops[at + 5] === 1
            ? `M${round2(x)},${round2(y)}h${round2(w)}v${round2(h)}h${round2(-w)}Z`
            : `M${round2(x)},${round2(y)}v${round2(h)}h${round2(w)}v${round2(-h)}Z`;
      }
      at += 1 + ARGUMENTS[code as 0]!;
    }
    return d;
  }

  /**
   * Sends every outline to `sink` as straight edges, arcs flattened to chords within TOLERANCE
   * pixels of the true curve. Every subpath is closed, as fill closes it.
   */
  flatten(sink: EdgeSink): void {
    const ops = this.ops;
    let startX = 0;
    let startY = 0;
    let x = 0;
    let y = 0;
    for (let at = 0; at < this.length; ) {
      const code = ops[at]!;
      if (code === MOVE) {
        if (x !== startX || y !== startY) sink.edge(x, y, startX, startY);
        x = startX = ops[at + 1]!;
        y = startY = ops[at + 2]!;
      } else if (code === LINE) {
        sink.edge(x, y, ops[at + 1]!, ops[at + 2]!);
        x = ops[at + 1]!;
        y = ops[at + 2]!;
      } else if (code === ARC) {
        flattenArc(sink, x, y, ops[at + 1]!, ops[at + 2]!, ops[at + 3]!, ops[at + 4]!);
        x = ops[at + 3]!;
        y = ops[at + 4]!;
      } else if (code === CLOSE) {
        if (x !== startX || y !== startY) sink.edge(x, y, startX, startY);
        x = startX;
        y = startY;
      } else {
        if (x !== startX || y !== startY) sink.edge(x, y, startX, startY);
        // The corners a reader of h/v commands reaches: each relative step added to the last point.
        const x0 = round2(ops[at + 1]!);
        const y0 = round2(ops[at + 2]!);
        const w = ops[at + 3]!;
        const h = ops[at + 4]!;
        // Clockwise: right, down, back left; counter-clockwise: down, right, back up.
        const x1 = x0 + round2(w);
        const y1 = y0 + round2(h);
        if (ops[at + 5] === 1) quad(sink, x0, y0, x1, y0, x1, y1, x1 + round2(-w), y1);
        else quad(sink, x0, y0, x0, y1, x1, y1, x1, y1 + round2(-h));
        x = startX = x0;
        y = startY = y0;
      }
      at += 1 + ARGUMENTS[code as 0]!;
    }
    if (x !== startX || y !== startY) sink.edge(x, y, startX, startY);
  }
}

/** The closed outline a, b, c, d. */
function quad(sink: EdgeSink, ax: number, ay: number, bx: number, by: number, cx: number, cy: number, dx: number, dy: number): void {
  sink.edge(ax, ay, bx, by);
  sink.edge(bx, by, cx, cy);
  sink.edge(cx, cy, dx, dy);
  sink.edge(dx, dy, ax, ay);
}

/**
 * An SVG arc with equal radii, no rotation and the large-arc flag 0, as chords (SVG 1.1 F.6.5:
 * centre from the endpoints; a radius too small for them is scaled up, as readers do).
 */
function flattenArc(sink: EdgeSink, x1: number, y1: number, radius: number, sweep: number, x2: number, y2: number): void {
  // A code's arcs are a handful of shapes repeated at many places (every rounded module's corner
  // is the same quarter circle): their chords are computed once, relative to the start. Keys are
  // numbers (hundredths, as the document writes them), found in two maps: a string key per arc
  // cost more than the chords it saved.
  const dx = x2 - x1;
  const dy = y2 - y1;
  const outer = Math.round(radius * 100) * 2 + sweep;
  const inner = Math.round(dx * 100) * 4194304 + Math.round(dy * 100);
  let shapes = arcChords.get(outer);
  if (!shapes) {
    if (arcChords.size >= MAX_CACHED_RADII) arcChords.clear();
    arcChords.set(outer, (shapes = new Map()));
  }
  let offsets = shapes.get(inner);
  if (!offsets) shapes.set(inner, (offsets = arcOffsets(radius, sweep, dx, dy)));
  let px = x1;
  let py = y1;
  for (let i = 0; i < offsets.length; i += 2) {
    const nx = x1 + offsets[i]!;
    const ny = y1 + offsets[i + 1]!;
    sink.edge(px, py, nx, ny);
    px = nx;
    py = ny;
  }
  sink.edge(px, py, x2, y2);
}

const MAX_CACHED_RADII = 64;
/** radius and sweep, then the end point relative to the start: an arc's inner vertices */
const arcChords = new Map<number, Map<number, Float64Array>>();

/** The inner vertices of an arc from (0, 0) to (dx, dy), as x, y pairs. */
function arcOffsets(radius: number, sweep: number, dx: number, dy: number): Float64Array {
  const x1 = 0;
  const y1 = 0;
  const x2 = dx;
  const y2 = dy;
  const hx = (x1 - x2) / 2;
  const hy = (y1 - y2) / 2;
  const half2 = hx * hx + hy * hy;
  let r = Math.abs(radius);
  if (half2 === 0 || r === 0) return new Float64Array(0);
  if (half2 > r * r) r = Math.sqrt(half2);
  const sign = sweep === 1 ? 1 : -1;
  const coef = sign * Math.sqrt(Math.max(0, (r * r - half2) / half2));
  const cx = coef * hy + (x1 + x2) / 2;
  const cy = -coef * hx + (y1 + y2) / 2;
  const start = Math.atan2(y1 - cy, x1 - cx);
  let delta = Math.atan2(y2 - cy, x2 - cx) - start;
  if (sweep === 1 && delta < 0) delta += 2 * Math.PI;
  if (sweep === 0 && delta > 0) delta -= 2 * Math.PI;
  // The chord of angle s strays r(1 - cos(s/2)) from the arc: keep that within the tolerance.
  const step = r > TOLERANCE ? 2 * Math.acos(1 - TOLERANCE / r) : Math.PI;
  const segments = Math.max(1, Math.ceil(Math.abs(delta) / step));
  // Inner vertices are pushed out so that each chord's sector keeps the arc's area (a polygon
  // inscribed in a circle falls short of it by about 2/3 of the chord's sagitta along the
  // whole outline, enough to make every dot visibly lighter at the edge than resvg's).
  const s = Math.abs(delta) / segments;
  const outward = s > 1e-6 ? r * Math.sqrt(s / Math.sin(s)) : r;
  const offsets = new Float64Array(2 * (segments - 1));
  for (let i = 1; i < segments; i++) {
    const angle = start + (delta * i) / segments;
    offsets[2 * i - 2] = cx + outward * Math.cos(angle);
    offsets[2 * i - 1] = cy + outward * Math.sin(angle);
  }
  return offsets;
}
