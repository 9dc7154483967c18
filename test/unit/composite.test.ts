import "../support/engine-node";
import { describe, expect, it } from "vitest";
import { AppearanceSchema, planRender, sniffRasterImage, type AppearanceInput, type CenterImage } from "../../src/qr";
import { gradientTable, LUT_SIZE } from "../../src/qr/paint";
import { decodedImageBytes, rasterizePlan, renderPixels } from "../../src/qr/raster";
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

/**
 * The SVG's picture with (nearly) exact anti-aliasing: resvg draws it at four times the size
 * (its own 4x4 supersampling on top) and each 4x4 block is averaged, 256 samples a pixel.
 */
async function referencePicture(svg: string, size: number): Promise<Uint8Array> {
  const K = 4;
  const big = await rasterizeSvg(svg, size * K);
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let c = 0; c < 3; c++) {
        let total = 0;
        for (let j = 0; j < K; j++) for (let i = 0; i < K; i++) total += big.data[((y * K + j) * size * K + x * K + i) * 4 + c]!;
        out[(y * size + x) * 3 + c] = Math.round(total / (K * K));
      }
  return out;
}

describe("the rasterizer draws the SVG's picture", () => {
  // Our PNG fills the scene's outlines with exact-area coverage; the reference is the same SVG
  // rendered by resvg at 4x and averaged down. Measured over these cases: at most 10 levels apart
  // on any channel (the reference's own sampling), on average 0.04 to 1.7 (small dots are mostly
  // edge). resvg at 1x differs from both by up to 53 levels at corners: its 4x4 supersampling is
  // off by up to 1/8 of a pixel per axis. The centre image is resvg's drawing in both: at most 2
  // levels apart.
  for (const [name, appearance, image] of CASES)
    for (const size of [137, 500, 777])
      it(`${name}, ${size} px`, async () => {
        const plan = planRender({ content: URL, appearance: AppearanceSchema.parse(appearance), size, image });
        const svg = renderSvg(plan);
        const reference = await referencePicture(svg, size);
        // The centre image is resvg's own drawing at 1x in both (the shapes around it are ours).
        const imageReference = await rasterizeSvg(svg, size);
        const box = plan.imageBox;
        const inImage = (x: number, y: number) => box !== null && x >= Math.floor(box.x) && x < Math.ceil(box.x + box.width) && y >= Math.floor(box.y) && y < Math.ceil(box.y + box.height);
        const png = await rasterizePlan(plan);
        const ours = readPngWithPngjs(png);
        expect([ours.width, ours.height]).toEqual([size, size]);
        const shapes = { total: 0, worst: 0, pixels: 0 };
        const picture = { total: 0, worst: 0, pixels: 0 };
        for (let y = 0; y < size; y++)
          for (let x = 0; x < size; x++) {
            const p = y * size + x;
            const image = inImage(x, y);
            const tally = image ? picture : shapes;
            tally.pixels++;
            for (let c = 0; c < 3; c++) {
              const d = Math.abs((image ? imageReference.data[p * 4 + c]! : reference[p * 3 + c]!) - ours.data[p * 4 + c]!);
              tally.total += d;
              if (d > tally.worst) tally.worst = d;
            }
          }
        expect(shapes.worst).toBeLessThanOrEqual(12);
        expect(shapes.total / (shapes.pixels * 3)).toBeLessThan(2);
        expect(picture.worst).toBeLessThanOrEqual(4);
        expect(picture.total / Math.max(1, picture.pixels * 3)).toBeLessThan(0.2);
        await expectScans(png, URL);
      });

  it("a shape moved by a tenth of a pixel changes the picture beyond the tolerance (the comparison can fail)", async () => {
    const size = 137;
    const plan = planRender({ content: URL, appearance: AppearanceSchema.parse({ dotsOptionsType: "dots" }), size });
    const shifted = renderSvg(plan).replace(/<path /, '<path transform="translate(0.1 0)" ');
    const reference = await referencePicture(shifted, size);
    const ours = readPngWithPngjs(await rasterizePlan(plan));
    let worst = 0;
    for (let p = 0; p < size * size; p++) worst = Math.max(worst, Math.abs(reference[p * 3]! - ours.data[p * 4]!));
    expect(worst).toBeGreaterThan(12);
  });
});

describe("buffers kept from render to render", () => {
  it("a render after one of another size whose strips are as long comes out whole (gradient background)", async () => {
    // 602 px and 628 px strips are both 1,048,060 bytes (580 and 556 lines); a gradient
    // background writes no filter byte of its own, so a strip reused across sizes corrupted them.
    await rasterizePlan(planRender({ content: URL, appearance: AppearanceSchema.parse({ dotsOptionsType: "rounded" }), size: 602 }));
    const plan = planRender({
      content: URL,
      appearance: AppearanceSchema.parse({ dotsOptionsType: "rounded", backgroundOptionsGradientType: "radial", backgroundOptionsGradientColorStops: stops("#ffffff", "#dbeafe") }),
      size: 628,
    });
    const afterOther = await rasterizePlan(plan);
    expect(readPngWithPngjs(afterOther).width).toBe(628);
    expect(await rasterizePlan(plan)).toEqual(afterOther);
    await expectScans(afterOther, URL);
  });
});

describe("resvg's share of a render", () => {
  it("an uploaded logo is decoded once per render, however many strips it crosses; the shapes never go through resvg", async () => {
    const size = 3000;
    const plan = planRender({ content: URL, appearance: AppearanceSchema.parse({ qrOptionsErrorCorrectionLevel: "H" }), size, image: sniffRasterImage(ringLogo(1024, 1024)) });
    const documents: string[] = [];
    let strips = 0;
    const png = await rasterizePlan(plan, {
      renderPixels: (svg, width, height) => {
        documents.push(svg);
        return renderPixels(svg, width, height);
      },
      onStrip: () => strips++,
    });
    expect(strips).toBeGreaterThanOrEqual(5);
    expect(documents.length).toBe(1);
    expect(documents[0]).toContain("<image");
    expect(readPngWithPngjs(png).width).toBe(size);
  });

  it("a logo is decoded once and then comes from the cache, for any design and size that shows it", async () => {
    const logo = sniffRasterImage(ringLogo(300, 300));
    let drawn = 0;
    const count = (svg: string, width: number, height: number) => (drawn++, renderPixels(svg, width, height));
    for (const size of [611, 777]) {
      const plan = planRender({ content: URL, appearance: AppearanceSchema.parse({ qrOptionsErrorCorrectionLevel: "H", dotsOptionsColor: `#0${size}aa` }), size, image: logo });
      await rasterizePlan(plan, { renderPixels: count });
    }
    expect(drawn).toBe(1);
    // The same bytes in another array (as every request reads them anew) are the same logo.
    const again = sniffRasterImage(ringLogo(300, 300).slice());
    await rasterizePlan(planRender({ content: URL, appearance: AppearanceSchema.parse({ qrOptionsErrorCorrectionLevel: "H" }), size: 500, image: again }), { renderPixels: count });
    expect(drawn).toBe(1);
  });

  it("the cache stays within its bytes, the oldest going first, and what it could not keep is released at once", async () => {
    const copies: Uint8Array[] = [];
    const keep = (svg: string, width: number, height: number) => {
      const pixels = renderPixels(svg, width, height);
      copies.push(pixels);
      return pixels;
    };
    // Twelve distinct 1024 px logos (4 MB each decoded) through an 8 MB cache.
    for (let k = 0; k < 12; k++) {
      const logo = sniffRasterImage(ringLogo(1024, 1000 - k));
      await rasterizePlan(planRender({ content: URL, appearance: AppearanceSchema.parse({ qrOptionsErrorCorrectionLevel: "H" }), size: 300, image: logo }), { renderPixels: keep });
      expect(decodedImageBytes()).toBeLessThanOrEqual(8 * 1024 * 1024);
    }
    expect(copies.length).toBe(12);
    // A 5000 px code's icon (11 MB) is more than an entry may hold: drawn, used, released.
    const before = copies.length;
    await rasterizePlan(planRender({ content: URL, appearance: AppearanceSchema.parse({ qrOptionsErrorCorrectionLevel: "H" }), size: 5000, image: { kind: "icon", key: "link" } }), { renderPixels: keep });
    expect(copies.length).toBe(before + 1);
    expect((copies.at(-1)!.buffer as ArrayBuffer).detached).toBe(true);
  });

  it("a built-in icon is drawn once and then comes from the cache for the same design", async () => {
    const plan = planRender({ content: URL, appearance: AppearanceSchema.parse({ qrOptionsErrorCorrectionLevel: "H", dotsOptionsColor: "#123456" }), size: 611, image: { kind: "icon", key: "wifi" } });
    let drawn = 0;
    const count = (svg: string, width: number, height: number) => (drawn++, renderPixels(svg, width, height));
    const first = await rasterizePlan(plan, { renderPixels: count });
    expect(drawn).toBe(1);
    const second = await rasterizePlan(plan, { renderPixels: count });
    expect(drawn).toBe(1);
    expect(second).toEqual(first);
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
