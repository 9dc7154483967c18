import "../support/engine-node";
import { describe, expect, it } from "vitest";
import { AppearanceSchema, planRender, sniffRasterImage, type AppearanceInput, type CenterImage } from "../../src/qr";
import { gradientTable, LUT_SIZE } from "../../src/qr/paint";
import { rasterizePlan, renderPixels, STRIP_BYTES } from "../../src/qr/raster";
import { renderSvg } from "../../src/qr/svg";
import { ringLogo } from "../support/big-png";
import { expectScans, rasterizeSvg, readPngWithPngjs } from "../support/decode";

const URL = "https://qr.example.com/r/aZ3kP9qL?utm_source=print";
const stops = (...colors: string[]) => colors.map((color, i) => ({ offset: i / (colors.length - 1), color }));

const CASES: [string, AppearanceInput, CenterImage | null][] = [
  [
    "linear dots, solid corners, icon",
    {
      dotsOptionsType: "rounded",
      dotsOptionsGradientType: "linear",
      dotsOptionsGradientRotation: 0.785,
      dotsOptionsGradientColorStops: stops("#1e3a8a", "#6d28d9"),
      cornersSquareOptionsType: "extra-rounded",
      cornersSquareOptionsColor: "#0f172a",
      cornersDotOptionsType: "dot",
      cornersDotOptionsColor: "#be123c",
      qrOptionsErrorCorrectionLevel: "H",
    },
    { kind: "icon", key: "link" },
  ],
  [
    "radial background, rotated corner gradients",
    {
      dotsOptionsType: "classy",
      backgroundOptionsGradientType: "radial",
      backgroundOptionsGradientColorStops: stops("#ffffff", "#dbeafe"),
      cornersSquareOptionsType: "square",
      cornersSquareOptionsGradientType: "linear",
      cornersSquareOptionsGradientRotation: 1.2,
      cornersSquareOptionsGradientColorStops: stops("#000000", "#b91c1c", "#1e3a8a"),
      cornersDotOptionsType: "dots",
      cornersDotOptionsGradientType: "radial",
      cornersDotOptionsGradientColorStops: stops("#3b0764", "#111827"),
    },
    null,
  ],
  ["circle shape, corners in the dots' paint", { shape: "circle", dotsOptionsType: "dots", dotsOptionsColor: "#0b3d2e", cornersSquareOptionsType: "dot" }, { kind: "icon", key: "wifi" }],
  // An uploaded logo is decoded once and sampled strip by strip instead of drawn by resvg per strip.
  [
    "uploaded logo, transparent, wider than tall",
    { dotsOptionsType: "rounded", dotsOptionsColor: "#1e3a8a", qrOptionsErrorCorrectionLevel: "H", imageOptionsMargin: 3 },
    sniffRasterImage(ringLogo(300, 200)),
  ],
];

describe("keyed compositing", () => {
  // resvg drawing the full SVG (gradients, image and all) is the reference; the compositor must
  // give the same picture. Differences are rounding, plus a few anti-aliased pixels near strip
  // edges at sizes rendered in several strips.
  for (const [name, appearance, image] of CASES)
    for (const size of [137, 500, 1201])
      it(`matches resvg's full render: ${name}, ${size} px`, async () => {
        const plan = planRender({ content: URL, appearance: AppearanceSchema.parse(appearance), size, image });
        const reference = await rasterizeSvg(renderSvg(plan), size);
        const png = await rasterizePlan(plan);
        const ours = readPngWithPngjs(png);
        expect([ours.width, ours.height]).toEqual([size, size]);
        let total = 0;
        let far = 0;
        for (let p = 0; p < size * size; p++)
          for (let c = 0; c < 3; c++) {
            const d = Math.abs(reference.data[p * 4 + c]! - ours.data[p * 4 + c]!);
            total += d;
            if (d > 8) far++;
          }
        expect(total / (size * size * 3)).toBeLessThan(0.1);
        expect(far / (size * size)).toBeLessThan(0.001);
        await expectScans(png, URL);
      });
});

describe("uploaded logos", () => {
  it("are decoded once per render, however many strips they cross", async () => {
    const size = 3000;
    const plan = planRender({ content: URL, appearance: AppearanceSchema.parse({ qrOptionsErrorCorrectionLevel: "H" }), size, image: sniffRasterImage(ringLogo(1024, 1024)) });
    const stripRows = Math.floor(STRIP_BYTES / (size * 4));
    const box = plan.imageBox!;
    const stripsCrossed = Math.floor((box.y + box.height) / stripRows) - Math.floor(box.y / stripRows) + 1;
    expect(stripsCrossed).toBeGreaterThanOrEqual(5);
    const documents: string[] = [];
    const png = await rasterizePlan(plan, {
      renderPixels: (svg, width, height) => {
        documents.push(svg);
        return renderPixels(svg, width, height);
      },
    });
    expect(documents.filter((svg) => svg.includes("<image")).length).toBe(1);
    expect(documents.length).toBe(1 + Math.ceil(size / stripRows));
    expect(readPngWithPngjs(png).width).toBe(size);
  });
});

describe("strip memory", () => {
  it("every pixel copy resvg hands over (strips, icon bands, the decoded logo) is released once used, not left to the collector", async () => {
    for (const image of [{ kind: "icon", key: "link" } as const, sniffRasterImage(ringLogo(300, 300))]) {
      const plan = planRender({ content: URL, appearance: AppearanceSchema.parse({ qrOptionsErrorCorrectionLevel: "H" }), size: 1201, image });
      const copies: Uint8Array[] = [];
      await rasterizePlan(plan, {
        renderPixels: (svg, width, height) => {
          const pixels = renderPixels(svg, width, height);
          copies.push(pixels);
          return pixels;
        },
      });
      expect(copies.length).toBeGreaterThan(3);
      expect(copies.every((pixels) => (pixels.buffer as ArrayBuffer).detached)).toBe(true);
    }
  });
});

describe("gradient tables", () => {
  const at = (table: Uint8Array, t: number) => [...table.slice(3 * Math.round(t * (LUT_SIZE - 1)), 3 * Math.round(t * (LUT_SIZE - 1)) + 3)];

  it("run from the first stop to the last, through the middle ones", () => {
    const table = gradientTable(stops("#000000", "#ff0000", "#0000ff"));
    expect(at(table, 0)).toEqual([0, 0, 0]);
    expect(at(table, 0.5)).toEqual([255, 0, 0]);
    expect(at(table, 1)).toEqual([0, 0, 255]);
    expect(at(table, 0.25)[0]).toBeCloseTo(128, -1);
  });

  it("pad before the first offset and after the last", () => {
    const table = gradientTable([
      { offset: 0.3, color: "#ff0000" },
      { offset: 0.6, color: "#0000ff" },
    ]);
    expect(at(table, 0.1)).toEqual([255, 0, 0]);
    expect(at(table, 0.9)).toEqual([0, 0, 255]);
  });

  it("treat an offset below the one before it as equal: a hard edge", () => {
    const table = gradientTable([
      { offset: 0.7, color: "#111111" },
      { offset: 0.2, color: "#7c3aed" },
    ]);
    expect(at(table, 0.69)).toEqual([17, 17, 17]);
    expect(at(table, 0.71)).toEqual([124, 58, 237]);
  });
});
