import type { EdgeSink } from "./path";

/**
 * Exact-area anti-aliased coverage of filled outlines, one band of rows at a time: the signed
 * area accumulation of font-rs (Raph Levien, 2016; the scheme stb_truetype 2 and most GPU font
 * rasterizers use). Each edge adds, to the cells it crosses, the signed area it sweeps; a running
 * sum along a row then gives every pixel's winding coverage, clamped to [0, 1] (nonzero fill:
 * clockwise outlines add up, counter-clockwise holes take away).
 *
 * Written here rather than taken from a library because nothing on npm rasterizes paths without
 * a canvas or a wasm renderer behind it, and resvg's own rasterizer (tiny-skia) cannot be called
 * for coverage alone: drawing the engine's shapes through resvg cost 60% of a styled 500 px PNG
 * (measured, see bench). Edges are kept per band so a 5000 px render never holds a whole frame.
 */

/**
 * For each row of a band, the cells any edge touched: left of the first the running sum is 0,
 * and after the last it is back to 0 (outlines are closed), so only that span needs reading.
 */
export class RowSpans {
  readonly first: Int32Array;
  readonly last: Int32Array;

  constructor(
    rows: number,
    private readonly width: number,
  ) {
    this.first = new Int32Array(rows);
    this.last = new Int32Array(rows);
    this.clear();
  }

  clear(): void {
    this.first.fill(0x7fffffff);
    this.last.fill(-1);
  }

  touch(row: number, x0: number, x1: number): void {
    // Clamped to [0, width] as accumulateSpan clamps the piece, so the span covers every cell it
    // writes: from the piece's first cell to one past its last.
    const width = this.width;
    const from = x0 <= 0 ? 0 : Math.min(width, Math.floor(x0));
    const to = x1 <= 0 ? 1 : Math.min(width + 1, Math.ceil(x1) + 1);
    if (from < this.first[row]!) this.first[row] = from;
    if (to > this.last[row]!) this.last[row] = to;
  }
}

/** Fields per edge: x at yTop, yTop, yBottom, dx per unit of y, direction (+1 down, -1 up). */
const FIELDS = 5;

export class EdgeTable implements EdgeSink {
  private data = new Float64Array(FIELDS * 256);
  private count = 0;
  minX = Infinity;
  maxX = -Infinity;
  minY = Infinity;
  maxY = -Infinity;
  /** per band: the edges crossing it, built on first use */
  private bands: Int32Array[] | null = null;

  constructor(
    /** rows per band, the rasterizer's strip height */
    private readonly bandRows: number,
  ) {}

  get isEmpty(): boolean {
    return this.count === 0;
  }

  edge(x0: number, y0: number, x1: number, y1: number): void {
    if (y0 === y1) return; // horizontal edges sweep no area
    if (this.count * FIELDS + FIELDS > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const at = this.count++ * FIELDS;
    const down = y1 > y0;
    const top = down ? y0 : y1;
    const bottom = down ? y1 : y0;
    const xTop = down ? x0 : x1;
    this.data[at] = xTop;
    this.data[at + 1] = top;
    this.data[at + 2] = bottom;
    this.data[at + 3] = (down ? x1 - x0 : x0 - x1) / (bottom - top);
    this.data[at + 4] = down ? 1 : -1;
    if (x0 < this.minX) this.minX = x0;
    if (x1 < this.minX) this.minX = x1;
    if (x0 > this.maxX) this.maxX = x0;
    if (x1 > this.maxX) this.maxX = x1;
    if (top < this.minY) this.minY = top;
    if (bottom > this.maxY) this.maxY = bottom;
  }

  /** Index lists of the edges crossing each band (an edge taller than a band is in several). */
  private bandLists(): Int32Array[] {
    if (this.bands) return this.bands;
    const rows = this.bandRows;
    const last = Math.max(0, Math.floor(this.maxY / rows));
    const counts = new Int32Array(last + 1);
    const { data } = this;
    for (let e = 0; e < this.count; e++) {
      const from = Math.max(0, Math.floor(data[e * FIELDS + 1]! / rows));
      const to = Math.min(last, Math.floor(data[e * FIELDS + 2]! / rows));
      for (let b = from; b <= to; b++) counts[b]!++;
    }
    const bands = Array.from(counts, (n) => new Int32Array(n));
    counts.fill(0);
    for (let e = 0; e < this.count; e++) {
      const from = Math.max(0, Math.floor(data[e * FIELDS + 1]! / rows));
      const to = Math.min(last, Math.floor(data[e * FIELDS + 2]! / rows));
      for (let b = from; b <= to; b++) bands[b]![counts[b]!++] = e;
    }
    return (this.bands = bands);
  }

  /**
   * Adds the signed areas of the edges within rows [top, top + rows) to `acc`, a band of `rows`
   * lines of `stride` cells whose first cell is canvas column `left` and whose last usable one is
   * `left + width`. `top` must be a multiple of the band height.
   */
  accumulate(acc: Float32Array, stride: number, left: number, width: number, top: number, rows: number, spans: RowSpans): void {
    const band = Math.floor(top / this.bandRows);
    const lists = this.bandLists();
    if (band >= lists.length) return;
    const list = lists[band]!;
    const data = this.data;
    const bottom = top + rows;
    for (let k = 0; k < list.length; k++) {
      const at = list[k]! * FIELDS;
      const yTop = data[at + 1]!;
      const yBottom = data[at + 2]!;
      const y0 = yTop > top ? yTop : top;
      const y1 = yBottom < bottom ? yBottom : bottom;
      if (y0 >= y1) continue;
      const dxdy = data[at + 3]!;
      accumulateEdge(acc, stride, width, top, spans, data[at]! + (y0 - yTop) * dxdy - left, y0, y1, dxdy, data[at + 4]!);
    }
  }
}

/**
 * The same accumulation straight from the outlines, for an image drawn in one strip: nothing to
 * keep per band, so edges are not stored (at 500 px that saved storing and bucketing about ten
 * thousand edges a render).
 */
export class DirectCoverage implements EdgeSink {
  constructor(
    private readonly acc: Float32Array,
    private readonly stride: number,
    private readonly width: number,
    private readonly height: number,
    private readonly spans: RowSpans,
  ) {}

  edge(x0: number, y0: number, x1: number, y1: number): void {
    if (y0 === y1) return;
    const down = y1 > y0;
    const top = down ? y0 : y1;
    const bottom = down ? y1 : y0;
    const dxdy = (x1 - x0) / (y1 - y0);
    const from = top > 0 ? top : 0;
    const to = bottom < this.height ? bottom : this.height;
    if (from >= to) return;
    const xTop = down ? x0 : x1;
    accumulateEdge(this.acc, this.stride, this.width, 0, this.spans, xTop + (from - top) * dxdy, from, to, dxdy, down ? 1 : -1);
  }
}

/** One edge from row y0 to y1 (canvas rows, within the band starting at `top`), starting at x. */
function accumulateEdge(acc: Float32Array, stride: number, width: number, top: number, spans: RowSpans, x: number, y0: number, y1: number, dxdy: number, dir: number): void {
  for (let row = Math.floor(y0); row < y1; row++) {
    const dy = (row + 1 < y1 ? row + 1 : y1) - (row > y0 ? row : y0);
    const xNext = x + dxdy * dy;
    accumulateSpan(acc, (row - top) * stride, width, x, xNext, dy * dir);
    spans.touch(row - top, x < xNext ? x : xNext, x < xNext ? xNext : x);
    x = xNext;
  }
}

/**
 * One edge's piece within one row, from x to xNext (row-relative), sweeping `d` (its height in
 * the row, signed by direction): cells left of the piece get nothing, the cells it crosses get
 * the part of d left of the edge inside them, the first cell after it the rest, so a running sum
 * carries d to the row's end.
 */
function accumulateSpan(acc: Float32Array, line: number, width: number, x: number, xNext: number, d: number): void {
  // Outside [0, width] only the clamped position matters to the pixels that are drawn.
  let x0 = x < xNext ? x : xNext;
  let x1 = x < xNext ? xNext : x;
  if (x0 < 0) x0 = 0;
  if (x1 < 0) x1 = 0;
  if (x0 > width) x0 = width;
  if (x1 > width) x1 = width;
  const x0Floor = Math.floor(x0);
  const x0i = x0Floor;
  const x1Ceil = Math.ceil(x1);
  const x1i = x1Ceil;
  if (x1i <= x0i + 1) {
    const xmf = 0.5 * (x0 + x1) - x0Floor;
    acc[line + x0i] = acc[line + x0i]! + d - d * xmf;
    acc[line + x0i + 1] = acc[line + x0i + 1]! + d * xmf;
    return;
  }
  const s = 1 / (x1 - x0);
  const x0f = x0 - x0Floor;
  const a0 = 0.5 * s * (1 - x0f) * (1 - x0f);
  const x1f = x1 - x1Ceil + 1;
  const am = 0.5 * s * x1f * x1f;
  acc[line + x0i] = acc[line + x0i]! + d * a0;
  if (x1i === x0i + 2) acc[line + x0i + 1] = acc[line + x0i + 1]! + d * (1 - a0 - am);
  else {
    const a1 = s * (1.5 - x0f);
    acc[line + x0i + 1] = acc[line + x0i + 1]! + d * (a1 - a0);
    for (let xi = x0i + 2; xi < x1i - 1; xi++) acc[line + xi] = acc[line + xi]! + d * s;
    const a2 = a1 + (x1i - x0i - 3) * s;
    acc[line + x1i - 1] = acc[line + x1i - 1]! + d * (1 - a2 - am);
  }
  acc[line + x1i] = acc[line + x1i]! + d * am;
}
