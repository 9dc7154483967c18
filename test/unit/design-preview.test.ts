// src/qr/browser.ts under Node: the designer's renderDesign plans and draws as the download does
// (planFitting at downloadLevels, renderPlanSvg), and says what the engine refuses in words.
// test/browser/engine-in-browser.test.ts holds the bundled entry to the Worker's downloads.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { AppearanceSchema, downloadLevels, planFitting, prepareFrame, renderPlanSvg } from "../../src/qr";
import { renderDesign } from "../../src/qr/browser";
import { encodePngFixture } from "../support/png-fixtures";

const URL = "https://qr.example/r/abcdefgh";
const WASM = readFileSync(createRequire(import.meta.url).resolve("@resvg/resvg-wasm/index_bg.wasm"));
const LOGO = encodePngFixture({ width: 32, height: 32, colorType: 2, bitDepth: 8, pixel: (x, y) => ((x >> 3) + (y >> 3)) % 2 ? [14, 116, 144] : [253, 224, 71] });

describe("renderDesign (the designer's preview)", () => {
  it("draws what the download's plan draws, with the download's margin and size by default", async () => {
    const appearance = AppearanceSchema.parse({ dotsOptionsType: "rounded", predefinedImage: "wifi", margin: 24 });
    const preview = await renderDesign({ content: URL, appearance });
    const downloaded = { ...appearance, margin: 10 };
    const plan = planFitting({ content: URL, appearance: downloaded, size: 300, image: { kind: "icon", key: "wifi" } }, downloadLevels("Q", true));
    expect(preview.svg).toBe(renderPlanSvg(plan));
    expect(preview.problem).toBeNull();
    // The icon does not fit at Q on this symbol: the download (and so the preview) raises the level.
    expect(preview.symbol?.errorCorrectionLevel).toBe("H");
    expect(preview.adjustments).toEqual(["Error correction raised from Q to H to keep the logo readable"]);
    expect(preview.summary).toBe("Reads in every decoder we test (ZXing, jsQR, ZBar, quirc). Error correction raised from Q to H to keep the logo readable");
  });

  it("takes an uploaded logo as bytes or as a data: URL alike, and draws a framed design once resvg is given", async () => {
    const appearance = AppearanceSchema.parse({ uploadedImage: "logo-file", qrOptionsErrorCorrectionLevel: "H", frameStyle: "banner-top", frameText: "סרוק אותי" });
    const fromBytes = await renderDesign({ content: URL, appearance, size: 500, logo: LOGO, frameTextWasm: WASM });
    const fromUrl = await renderDesign({ content: URL, appearance, size: 500, logo: `data:image/png;base64,${Buffer.from(LOGO).toString("base64")}` });
    expect(fromBytes.svg).not.toBeNull();
    expect(fromUrl.svg).toBe(fromBytes.svg);
    await prepareFrame(appearance);
    const plan = planFitting({ content: URL, appearance: { ...appearance, margin: 10 }, size: 500, image: { kind: "raster", mime: "image/png", bytes: LOGO, width: 32, height: 32 } }, ["H"]);
    expect(fromBytes.svg).toBe(renderPlanSvg(plan));
  });

  it("says in words what the download would refuse", async () => {
    const content = "https://example.com/".padEnd(400, "x");
    const small = await renderDesign({ content, appearance: AppearanceSchema.parse({}), size: 60 });
    expect(small.svg).toBeNull();
    expect(small.problem).toMatchObject({ code: "CANVAS_TOO_SMALL", field: "size" });
    expect(small.problem!.words).toMatch(/^60 px is too small for this code: choose at least \d+ px/);

    const faint = await renderDesign({ content: URL, appearance: AppearanceSchema.parse({ dotsOptionsColor: "#dddddd" }) });
    expect(faint.problem).toMatchObject({ code: "LOW_CONTRAST", field: "dotsOptionsColor" });
    expect(faint.problem!.words).toMatch(/^The dots' colour is too close to the background/);

    const huge = await renderDesign({ content: URL, appearance: AppearanceSchema.parse({ uploadedImage: "logo-file", imageOptionsImageSize: 1 }), logo: LOGO });
    expect(huge.problem).toMatchObject({ code: "IMAGE_TOO_LARGE", field: "imageOptionsImageSize" });
    expect(huge.problem!.words).toMatch(/^The logo is too large even at level H \(raised from Q\): shrink it/);

    const relaxed = await renderDesign({ content: URL, appearance: AppearanceSchema.parse({ scannability: "relaxed", cornersSquareOptionsType: "dot" }) });
    expect(relaxed.scannability.mayFail).toEqual(["zxing", "jsqr", "zbar", "quirc"]);
    expect(relaxed.summary).toBe('Drawn exactly as designed: may not read in ZXing, jsQR, ZBar, quirc; choose "universal" scannability to draw shapes every decoder reads');
  });
});
