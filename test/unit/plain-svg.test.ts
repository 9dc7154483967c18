import "../support/engine-node";
import QRCode from "qrcode";
import { describe, expect, it } from "vitest";
import { AppearanceSchema, ECC_LEVELS, planRender, renderPlanPng, renderPlanSvg, type AppearanceInput } from "../../src/qr";
import { expectSvgScans, rasterizeSvg, readPngWithPngjs } from "../support/decode";

const URL = "https://qr.example.com/r/aZ3kP9qL?utm_source=print";
const plan = (size: number, appearance: AppearanceInput = {}) =>
  planRender({ content: URL, appearance: AppearanceSchema.parse(appearance), size, errorCorrectionFixed: true });

describe("plain SVG", () => {
  it("is no larger than node-qrcode's SVG of the same code at the same size, whatever the size and level", async () => {
    for (const level of ECC_LEVELS)
      for (const size of [300, 500, 2000, 5000]) {
        const ours = renderPlanSvg(plan(size, { qrOptionsErrorCorrectionLevel: level }));
        const theirs = await QRCode.toString(URL, { type: "svg", errorCorrectionLevel: level, width: size });
        expect(ours.length, `${level} at ${size} px`).toBeLessThanOrEqual(theirs.length);
      }
  });

  it("has the same length at every size but for the size attributes: coordinates are in modules", () => {
    const lengths = [300, 500, 2000, 5000].map((size) => renderPlanSvg(plan(size)).replace(/ width="\d+" height="\d+"/, "").replace(/viewBox="[^"]*"/, "").length);
    const spread = Math.max(...lengths) - Math.min(...lengths);
    expect(spread).toBeLessThanOrEqual(4); // the background's whole-module corner moves with the margin
  });

  it("draws the plain PNG's picture, pixel for pixel, and scans", async () => {
    for (const [size, appearance] of [
      [500, {}],
      [333, { cornersSquareOptionsColor: "#be123c", cornersDotOptionsColor: "#1e3a8a", backgroundOptionsColor: "#fffbeb" }],
      [1201, { qrOptionsErrorCorrectionLevel: "H", dotsOptionsColor: "#0b3d2e" }],
    ] as const) {
      const p = plan(size, appearance);
      const svg = renderPlanSvg(p);
      expect(svg).toContain('shape-rendering="crispEdges"');
      const png = readPngWithPngjs(await renderPlanPng(p));
      const drawn = await rasterizeSvg(svg, size);
      let differing = 0;
      for (let i = 0; i < png.data.length; i++) if (png.data[i] !== drawn.data[i]) differing++;
      expect(differing, `${size} px`).toBe(0);
      await expectSvgScans(svg, size, URL);
    }
  });

  it("styled codes keep the full writer (rounded dots are not runs)", () => {
    const svg = renderPlanSvg(plan(500, { dotsOptionsType: "rounded" }));
    expect(svg).not.toContain("crispEdges");
    expect(svg).toContain('viewBox="0 0 500 500"');
  });
});
