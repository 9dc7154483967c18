import { describe, expect, it } from "vitest";
import { DirectCoverage, EdgeTable, RowSpans } from "../../src/qr/coverage";
import { PathData } from "../../src/qr/path";

/** Coverage of a path on a width x height canvas, one band per `bandRows` rows, as the rasterizer reads it. */
function coverageOf(path: PathData, width: number, height: number, bandRows = height): Float64Array {
  const edges = new EdgeTable(bandRows);
  path.flatten(edges);
  const stride = width + 2;
  const out = new Float64Array(width * height);
  const acc = new Float32Array(bandRows * stride);
  const spans = new RowSpans(bandRows, width);
  for (let top = 0; top < height; top += bandRows) {
    const rows = Math.min(bandRows, height - top);
    spans.clear();
    edges.accumulate(acc, stride, 0, width, top, rows, spans);
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let x = 0; x < width; x++) {
        sum += acc[r * stride + x]!;
        out[(top + r) * width + x] = Math.min(1, Math.abs(sum));
        // Outside the row's touched span the sum is 0: what the rasterizer relies on to skip it.
        if (x < spans.first[r]! || x > spans.last[r]!) expect(Math.abs(sum)).toBeLessThan(1e-6);
      }
      acc.fill(0, r * stride, (r + 1) * stride);
    }
  }
  return out;
}

const total = (coverage: Float64Array) => coverage.reduce((a, b) => a + b, 0);

describe("exact-area coverage", () => {
  it("a rectangle on fractional edges covers each pixel by the share inside it", () => {
    const path = new PathData();
    path.rect(1.25, 2.5, 3.5, 1.75);
    const c = coverageOf(path, 8, 6);
    expect(c[2 * 8 + 1]).toBeCloseTo(0.75 * 0.5, 5); // left column, top row
    expect(c[2 * 8 + 2]).toBeCloseTo(0.5, 5);
    expect(c[3 * 8 + 2]).toBeCloseTo(1, 5);
    expect(c[4 * 8 + 4]).toBeCloseTo(0.75 * 0.25, 5); // right column (x 4..4.75), bottom row (y 4..4.25)
    expect(c[0]).toBe(0);
    expect(total(c)).toBeCloseTo(3.5 * 1.75, 4);
  });

  it("a circle's coverage adds up to its area, whichever way it is wound", () => {
    for (const clockwise of [true, false]) {
      const path = new PathData();
      path.circle(10, 10, 7.3, clockwise);
      // Within 0.1%: the chords next to each arc's two end points (kept on the circle) fall short.
      const area = Math.PI * 7.3 * 7.3;
      expect(Math.abs(total(coverageOf(path, 20, 20)) - area) / area).toBeLessThan(0.001);
    }
  });

  it("a counter-clockwise outline inside a clockwise one is a hole (nonzero fill)", () => {
    const path = new PathData();
    path.rect(0, 0, 10, 10);
    path.rect(3, 3, 4, 4, false);
    const c = coverageOf(path, 10, 10);
    expect(c[5 * 10 + 5]).toBe(0);
    expect(c[1 * 10 + 1]).toBe(1);
    expect(total(c)).toBeCloseTo(100 - 16, 5);
  });

  it("shapes that touch add up to a seamless whole, and overlapping ones do not exceed full coverage", () => {
    const path = new PathData();
    path.rect(0, 0, 3.3, 4);
    path.rect(3.3, 0, 2.7, 4); // shares the edge at x = 3.3 inside pixel 3
    path.rect(1, 1, 2, 2); // lies over the first
    const c = coverageOf(path, 8, 4);
    for (let x = 0; x < 6; x++) expect(c[8 + x]).toBeCloseTo(1, 5);
    expect(c[8 + 6]).toBeCloseTo(0, 5);
  });

  it("bands give the same coverage as one pass, edges crossing band borders included", () => {
    const path = new PathData();
    path.circle(16, 16, 12.7);
    path.roundedRect(4.5, 3.25, 20, 25.5, 6);
    const whole = coverageOf(path, 32, 32);
    const banded = coverageOf(path, 32, 32, 5);
    for (let i = 0; i < whole.length; i++) expect(banded[i]).toBeCloseTo(whole[i]!, 5);
  });

  it("accumulating straight from the outlines gives the same sums as the banded edge table", () => {
    const path = new PathData();
    path.circle(16, 16, 12.7);
    path.roundedRect(-3.5, 3.25, 40, 25.5, 6, false); // reaches past both sides of the canvas
    const width = 32;
    const stride = width + 2;
    const direct = new Float32Array(32 * stride);
    path.flatten(new DirectCoverage(direct, stride, width, 32, new RowSpans(32, width)));
    const banded = new Float32Array(32 * stride);
    const edges = new EdgeTable(32);
    path.flatten(edges);
    edges.accumulate(banded, stride, 0, width, 0, 32, new RowSpans(32, width));
    for (let i = 0; i < direct.length; i++) expect(direct[i]).toBeCloseTo(banded[i]!, 5);
  });

  it("arcs are flattened within the tolerance: a quarter circle's chords and vertices stay within 0.05 px of the arc", () => {
    const points: [number, number][] = [];
    const path = new PathData();
    path.moveTo(100, 0);
    path.arcTo(100, 1, 0, 100);
    path.flatten({ edge: (x0, y0) => void points.push([x0, y0]) });
    expect(points.length).toBeGreaterThan(10);
    for (let i = 1; i < points.length; i++) {
      const [ax, ay] = points[i - 1]!;
      const [bx, by] = points[i]!;
      const middle = Math.hypot((ax + bx) / 2 - 0, (ay + by) / 2 - 0);
      // Inner vertices sit slightly outside the arc, so chords cross it and the area is kept.
      expect(Math.abs(100 - middle)).toBeLessThanOrEqual(0.05);
      expect(Math.abs(100 - Math.hypot(bx, by))).toBeLessThanOrEqual(0.05);
    }
  });
});

describe("path data", () => {
  it("prints the exact text the SVG documents always had, from the numbers the rasterizer reads", () => {
    const path = new PathData();
    path.rect(1.006, 2, 3.333, 4);
    path.rect(0, 0, 2, 2, false);
    path.circle(5, 5, 2.5);
    path.roundedRect(0, 0, 10, 10, 2, false);
    expect(String(path)).toBe(
      "M1.01,2h3.33v4h-3.33Z" +
        "M0,0v2h2v-2Z" +
        "M2.5,5A2.5,2.5 0 0 1 7.5,5A2.5,2.5 0 0 1 2.5,5Z" +
        "M2,0A2,2 0 0 0 0,2L0,8A2,2 0 0 0 2,10L8,10A2,2 0 0 0 10,8L10,2A2,2 0 0 0 8,0Z",
    );
  });
});
