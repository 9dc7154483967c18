import "../support/engine-node";
import { describe, expect, it } from "vitest";
import {
  AppearanceSchema,
  BUILTIN_ICON_KEYS,
  CORNER_DOT_TYPES,
  CORNER_SQUARE_TYPES,
  DOT_TYPES,
  planRender,
  QrError,
  renderQrPng,
  renderQrSvg,
  scannabilityHeader,
  scannabilityOf,
  type AppearanceInput,
  type PlanRequest,
} from "../../src/qr";
import { expectScans } from "../support/decode";

const PAYLOADS = [
  "https://qr.example.com/r/aZ3kP9qL",
  "https://shop.example.com/products/espresso-machine-deluxe?utm_source=flyer&utm_medium=print&utm_campaign=spring-2026&ref=counter",
  `MECARD:N:Doe,Jane;TEL:+15550123456;EMAIL:jane@example.com;ADR:1 Rue de la Paix, 75002 Paris;NOTE:${"Ask for the tasting menu. ".repeat(5)};;`,
] as const;

const FACTORS = {
  dots: DOT_TYPES,
  ring: [null, ...CORNER_SQUARE_TYPES],
  centre: [null, ...CORNER_DOT_TYPES],
  logo: [false, true],
  level: ["L", "H"],
  payload: [0, 1, 2],
  size: [300, 1000],
} as const;
type Factor = keyof typeof FACTORS;
type Row = { [F in Factor]: (typeof FACTORS)[F][number] };

/**
 * A fixed pairwise cover of FACTORS: every value of every factor meets every value of every other
 * factor in at least one row (built greedily, deterministically), about 70 codes instead of 9,216.
 */
function pairwiseCover(): Row[] {
  const names = Object.keys(FACTORS) as Factor[];
  const sizes = names.map((n) => FACTORS[n].length);
  const key = (a: number, va: number, b: number, vb: number) => `${a}:${va}|${b}:${vb}`;
  const uncovered = new Set<string>();
  for (let a = 0; a < names.length; a++)
    for (let b = a + 1; b < names.length; b++)
      for (let va = 0; va < sizes[a]!; va++) for (let vb = 0; vb < sizes[b]!; vb++) uncovered.add(key(a, va, b, vb));
  const rows: number[][] = [];
  while (uncovered.size > 0) {
    // Seed the row with the first uncovered pair, then fill each other factor with the value that covers most new pairs.
    const [first] = uncovered;
    const [[a, va], [b, vb]] = first!.split("|").map((p) => p.split(":").map(Number)) as [[number, number], [number, number]];
    const row: number[] = new Array(names.length).fill(-1);
    row[a] = va;
    row[b] = vb;
    for (let f = 0; f < names.length; f++) {
      if (row[f] !== -1) continue;
      let best = 0;
      let bestGain = -1;
      for (let v = 0; v < sizes[f]!; v++) {
        let gain = 0;
        for (let g = 0; g < names.length; g++) if (g !== f && row[g] !== -1 && uncovered.has(g < f ? key(g, row[g]!, f, v) : key(f, v, g, row[g]!))) gain++;
        if (gain > bestGain) [best, bestGain] = [v, gain];
      }
      row[f] = best;
    }
    for (let x = 0; x < names.length; x++) for (let y = x + 1; y < names.length; y++) uncovered.delete(key(x, row[x]!, y, row[y]!));
    rows.push(row);
  }
  return rows.map((row) => Object.fromEntries(names.map((n, i) => [n, FACTORS[n][row[i]!]])) as Row);
}

const request = (appearance: AppearanceInput, size: number, content: string, logo = false): PlanRequest => ({
  content,
  appearance: AppearanceSchema.parse(appearance),
  size,
  image: logo ? { kind: "icon", key: BUILTIN_ICON_KEYS[0]! } : null,
});

describe("universal: every style reads in ZXing, jsQR, ZBar and quirc", () => {
  const rows = pairwiseCover();
  it("the cover is a pairwise cover of a manageable size", () => {
    expect(rows.length).toBeGreaterThanOrEqual(64); // ring x centre alone has 8 x 8 pairs
    expect(rows.length).toBeLessThan(90);
  });
  for (const row of rows) {
    const name = `${row.dots} / ${row.ring ?? "default"} / ${row.centre ?? "default"} / ${row.logo ? "logo" : "no logo"} / ${row.level} / payload ${row.payload} @ ${row.size}px`;
    it(name, async () => {
      const appearance: AppearanceInput = {
        dotsOptionsType: row.dots,
        cornersSquareOptionsType: row.ring,
        cornersDotOptionsType: row.centre,
        qrOptionsErrorCorrectionLevel: row.level,
        // small enough to fit the longest payload at every level (the logo guard is tested elsewhere)
        imageOptionsImageSize: 0.12,
      };
      const content = PAYLOADS[row.payload];
      await expectScans((await renderQrPng(request(appearance, row.size, content, row.logo))).bytes, content);
    });
  }

  // Codes the calibration (bench/scannability.ts) found failing before "universal" drew them differently.
  const measured: [string, AppearanceInput, number][] = [
    ["classy-rounded modules, version 3-H (jsQR, large modules)", { dotsOptionsType: "classy-rounded", qrOptionsTypeNumber: 3, qrOptionsErrorCorrectionLevel: "H" }, 1000],
    ["extra-rounded modules, version 3-H (jsQR, large modules)", { dotsOptionsType: "extra-rounded", qrOptionsTypeNumber: 3, qrOptionsErrorCorrectionLevel: "H" }, 900],
    ["dotted alignment patterns, version 10 (jsQR)", { dotsOptionsType: "dots", cornersSquareOptionsType: "square", cornersDotOptionsType: "square", qrOptionsTypeNumber: 10, qrOptionsErrorCorrectionLevel: "L" }, 1000],
    ["extra-rounded ring, version 40 (quirc)", { cornersSquareOptionsType: "extra-rounded", qrOptionsTypeNumber: 40, qrOptionsErrorCorrectionLevel: "L" }, 1000],
    ["classy-rounded centre, version 20 (jsQR)", { cornersSquareOptionsType: "square", cornersDotOptionsType: "classy-rounded", qrOptionsTypeNumber: 20, qrOptionsErrorCorrectionLevel: "H" }, 1000],
  ];
  for (const [name, appearance, size] of measured)
    it(name, async () => {
      const plan = { ...request(appearance, size, "HTTP://Q/7"), errorCorrectionFixed: true };
      await expectScans((await renderQrPng(plan)).bytes, "HTTP://Q/7");
    });

  it("the README's walk-through design reads everywhere", async () => {
    const appearance: AppearanceInput = { shape: "circle", dotsOptionsType: "rounded", dotsOptionsColor: "#111111", cornersSquareOptionsType: "extra-rounded", qrOptionsErrorCorrectionLevel: "H" };
    for (const size of [300, 1000]) await expectScans((await renderQrPng(request(appearance, size, PAYLOADS[0], true))).bytes, PAYLOADS[0]);
  });
});

describe("relaxed draws exactly what was asked", () => {
  it("a round ring stays round under relaxed and becomes the universal ring by default", () => {
    // A margin that already holds the universal quiet zone, so both draw modules of the same size.
    const asked: AppearanceInput = { margin: 60, cornersSquareOptionsType: "dot", cornersDotOptionsType: "dot" };
    const { svg: universal, plan } = renderQrSvg(request(asked, 300, PAYLOADS[0]));
    const relaxed = renderQrSvg(request({ ...asked, scannability: "relaxed" }, 300, PAYLOADS[0])).svg;
    expect(relaxed).not.toBe(universal);
    // Arcs of the ring's radius (3.5 modules) are only in the relaxed drawing.
    const ringArc = `A${3.5 * plan.dotSize},${3.5 * plan.dotSize} `;
    expect(relaxed).toContain(ringArc);
    expect(universal).not.toContain(ringArc);
  });

  it("a square design is the same drawing under both", () => {
    const asked: AppearanceInput = { margin: 60, dotsOptionsType: "rounded", cornersSquareOptionsType: "square", cornersDotOptionsType: "square" };
    expect(renderQrSvg(request({ ...asked, scannability: "relaxed" }, 300, PAYLOADS[0])).svg).toBe(renderQrSvg(request(asked, 300, PAYLOADS[0])).svg);
  });

  it("says which guarantee applies and which families may fail", () => {
    const of = (a: AppearanceInput) => scannabilityOf(AppearanceSchema.parse(a));
    expect(of({})).toEqual({ guarantee: "universal", mayFail: [] });
    expect(of({ cornersSquareOptionsType: "extra-rounded" })).toEqual({ guarantee: "universal", mayFail: [] });
    expect(of({ scannability: "relaxed", cornersSquareOptionsType: "square", dotsOptionsType: "classy" })).toEqual({ guarantee: "relaxed", mayFail: [] });
    expect(scannabilityHeader(AppearanceSchema.parse({ scannability: "relaxed" }))).toBe("relaxed");
    expect(of({ scannability: "relaxed", cornersSquareOptionsType: "classy-rounded" })).toEqual({ guarantee: "relaxed", mayFail: ["quirc"] });
    expect(of({ scannability: "relaxed", cornersSquareOptionsType: "extra-rounded" })).toEqual({ guarantee: "relaxed", mayFail: ["jsqr", "quirc"] });
    expect(scannabilityHeader(AppearanceSchema.parse({}))).toBe("universal");
    expect(scannabilityHeader(AppearanceSchema.parse({ scannability: "relaxed", cornersSquareOptionsType: "dot" }))).toBe("relaxed; may fail: zxing, jsqr, zbar, quirc");
  });
});

describe("quiet zone", () => {
  const zone = (plan: ReturnType<typeof planRender>) => {
    // light border on each side, in modules: from the canvas edge to the symbol, and past it
    const before = Math.min(plan.x0, plan.y0);
    const after = plan.size - (plan.x0 + plan.matrix.size * plan.dotSize);
    return Math.min(before, after) / plan.dotSize;
  };

  it("universal: appearance.margin is a minimum, and the symbol shrinks inside the canvas to keep 4 modules", () => {
    for (const content of PAYLOADS)
      for (const size of [120, 300, 333, 1000, 2500])
        for (const margin of [0, 10, 30]) {
          let plan;
          try {
            plan = planRender(request({ margin }, size, content));
          } catch (err) {
            if (err instanceof QrError && err.code === "CANVAS_TOO_SMALL") continue; // too many modules for the pixels
            throw err;
          }
          expect(plan.size).toBe(size);
          expect(zone(plan), `${content.length} chars at ${size} px, margin ${margin}`).toBeGreaterThanOrEqual(4);
          expect(plan.margin).toBeGreaterThanOrEqual(margin);
        }
  });

  it("a margin wider than 4 modules is kept as asked", () => {
    const plan = planRender(request({ margin: 100 }, 1000, PAYLOADS[0]));
    expect(plan.margin).toBe(100);
  });

  it("relaxed draws the margin exactly as asked", () => {
    const plan = planRender(request({ margin: 10, scannability: "relaxed" }, 1000, PAYLOADS[0]));
    expect(plan.margin).toBe(10);
    expect(zone(plan)).toBeLessThan(1);
  });

  it("the default design at 1000 px reads in every family with its quiet zone", async () => {
    const { bytes, plan } = await renderQrPng(request({}, 1000, PAYLOADS[0]));
    expect(zone(plan)).toBeGreaterThanOrEqual(4);
    await expectScans(bytes, PAYLOADS[0]);
  });
});

describe("background gradients keep their contrast", () => {
  const gradient = (dark: string): AppearanceInput => ({
    backgroundOptionsGradientType: "linear",
    backgroundOptionsGradientColorStops: [
      { offset: 0, color: "#ffffff" },
      { offset: 1, color: dark },
    ],
  });

  it("refuses a gradient into a grey dark enough to lose quirc, which a solid background of that grey would pass", () => {
    expect(() => planRender(request({ backgroundOptionsColor: "#4b5563" }, 300, PAYLOADS[0]))).not.toThrow();
    let error: unknown;
    try {
      planRender(request(gradient("#4b5563"), 300, PAYLOADS[0]));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(QrError);
    expect(error).toMatchObject({ code: "LOW_CONTRAST", field: "dotsOptionsColor" });
    expect((error as Error).message).toMatch(/darkest stop of a background gradient/);
  });

  it("a gradient within the bound reads in every family", async () => {
    for (const size of [300, 1000]) await expectScans((await renderQrPng(request(gradient("#5b6472"), size, PAYLOADS[1]))).bytes, PAYLOADS[1]);
  });
});
