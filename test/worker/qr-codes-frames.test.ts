import { describe, expect, it } from "vitest";
import { decodePng, decodeSvg, expectDecoded, rasterizeSvg, readPng, type RgbaImage } from "../support/decode";
import { call, seedOrg } from "./qr-support";

/** Frames with a call to action, through the API: create, read back, download both formats, decode. */

async function createFramed(appearance: Record<string, unknown>) {
  const org = await seedOrg();
  const created = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Framed", content: { url: "https://example.com/menu" }, appearance } });
  return { org, created };
}

async function downloadBoth(key: string, id: string, size: number) {
  const svg = await call("POST", `/qr_codes/${id}/download`, { key, body: { format: "svg", size } });
  const png = await call("POST", `/qr_codes/${id}/download`, { key, body: { format: "png", size } });
  return { svg, png };
}

/** Share of pixels, in the rows [top, bottom), whose colour differs by more than `tolerance` in a channel. */
function differingShare(a: RgbaImage, b: RgbaImage, top: number, bottom: number, tolerance = 64): number {
  let differing = 0;
  for (let y = top; y < bottom; y++)
    for (let x = 0; x < a.width; x++) {
      const i = (y * a.width + x) * 4;
      if ([0, 1, 2].some((c) => Math.abs(a.data[i + c]! - b.data[i + c]!) > tolerance)) differing++;
    }
  return differing / ((bottom - top) * a.width);
}

/** Share of pixels in the rows [top, bottom) close to the colour (r, g, b). */
function colourShare(img: RgbaImage, [r, g, b]: readonly [number, number, number], top: number, bottom: number): number {
  let hits = 0;
  for (let y = top; y < bottom; y++)
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 4;
      if (Math.abs(img.data[i]! - r) < 40 && Math.abs(img.data[i + 1]! - g) < 40 && Math.abs(img.data[i + 2]! - b) < 40) hits++;
    }
  return hits / ((bottom - top) * img.width);
}

describe("frames through the API", () => {
  it("saves a framed design, draws it as outlines in the SVG and the same picture in the PNG, and both scan", async () => {
    const appearance = { frameStyle: "banner-bottom", frameText: "SCAN ME", frameColor: "#1e3a8a", dotsOptionsType: "rounded" };
    const { org, created } = await createFramed(appearance);
    expect(created.status, created.text).toBe(201);
    expect(created.json.appearance).toMatchObject({ ...appearance, frameTextColor: null });
    const size = 500;
    const { svg, png } = await downloadBoth(org.readKey, created.json.id, size);
    expect(svg.status, svg.text).toBe(200);
    expect(png.status, png.text).toBe(200);
    // No font needed to read it: the caption is paths, nothing refers to a font.
    expect(svg.text).not.toMatch(/<text|<font|@font-face|font-family|<style/);
    expect(svg.text).toContain('fill="#1e3a8a"');
    expect(svg.text).toContain('fill="#ffffff"');
    const target = created.json.attributes.dynamicUrl;
    expectDecoded(await decodeSvg(svg.text, size), target);
    const pngBytes = png.bytes;
    expectDecoded(await decodePng(pngBytes), target);
    // The band at the bottom is the frame's blue with white text, alike in both formats.
    const fromSvg = await rasterizeSvg(svg.text, size);
    const fromPng = readPng(pngBytes);
    const band = [Math.round(size * 0.85), size - 2] as const;
    expect(colourShare(fromPng, [0x1e, 0x3a, 0x8a], ...band)).toBeGreaterThan(0.5);
    expect(colourShare(fromPng, [255, 255, 255], ...band)).toBeGreaterThan(0.03);
    expect(differingShare(fromSvg, fromPng, 0, size)).toBeLessThan(0.01);
  });

  const STYLES = [
    ["banner-top", "امسح الرمز"],
    ["rounded", "סרוק אותי"],
    ["caption", "Сканируй меня"],
    ["bubble", "Menü → Ωμέγα"],
  ] as const;
  for (const [frameStyle, frameText] of STYLES)
    it(`${frameStyle} with "${frameText}" downloads as SVG and PNG that scan`, async () => {
      const { org, created } = await createFramed({ frameStyle, frameText });
      expect(created.status, created.text).toBe(201);
      const { svg, png } = await downloadBoth(org.readKey, created.json.id, 400);
      expect(svg.text).not.toMatch(/<text|font-family/);
      // The frame and its caption are two layers of their own after the code's.
      expect(svg.text.match(/<path /g)!.length).toBeGreaterThanOrEqual(3);
      expectDecoded(await decodeSvg(svg.text, 400), created.json.attributes.dynamicUrl);
      expectDecoded(await decodePng(png.bytes), created.json.attributes.dynamicUrl);
      // The PNG shows what the SVG shows, frame and caption included.
      expect(differingShare(await rasterizeSvg(svg.text, 400), readPng(png.bytes), 0, 400)).toBeLessThan(0.01);
    });

  it("refuses text wider than the frame, naming how much fits, instead of cutting it", async () => {
    const { created } = await createFramed({ frameStyle: "banner-bottom", frameText: "SCAN THIS CODE TO SEE OUR FULL MENU NOW" });
    expect(created.status).toBe(400);
    const violation = created.json.violations.find((v: { propertyPath: string }) => v.propertyPath === "appearance.frameText");
    expect(violation.message).toMatch(/^frameText is too long for the frame: .* shorten it to about \d+ characters like these \(it has 39\)$/);
  });

  it("refuses characters the font lacks, an unknown style, text without a style and a caption without contrast", async () => {
    const missing = await createFramed({ frameStyle: "banner-bottom", frameText: "Scan 😀" });
    expect(missing.created.status).toBe(400);
    expect(missing.created.json.violations).toContainEqual({ propertyPath: "appearance.frameText", message: expect.stringContaining('U+1F600 "😀"') });

    const unknown = await createFramed({ frameStyle: "ribbon", frameText: "SCAN" });
    expect(unknown.created.status).toBe(400);
    expect(unknown.created.json.violations[0].propertyPath).toBe("appearance.frameStyle");

    const textOnly = await createFramed({ frameText: "SCAN" });
    expect(textOnly.created.status).toBe(400);
    expect(textOnly.created.json.violations).toContainEqual({ propertyPath: "appearance.frameStyle", message: "is required when frameText is set" });

    const faint = await createFramed({ frameStyle: "banner-bottom", frameText: "SCAN", frameColor: "#777777", frameTextColor: "#888888" });
    expect(faint.created.status).toBe(400);
    expect(faint.created.json.violations).toContainEqual({ propertyPath: "appearance.frameTextColor", message: expect.stringContaining("too close to the frame colour") });
  });

  it("names the smallest size that draws a framed code", async () => {
    const { org, created } = await createFramed({ frameStyle: "bubble", frameText: "SCAN" });
    expect(created.status, created.text).toBe(201);
    const res = await call("POST", `/qr_codes/${created.json.id}/download`, { key: org.readKey, body: { format: "png", size: 60 } });
    expect(res.status).toBe(400);
    expect(res.json.violations[0].propertyPath).toBe("size");
    const minimum = Number(/smallest size that works for this code is (\d+) px/.exec(res.json.violations[0].message)?.[1]);
    expect(minimum).toBeGreaterThan(60);
    const fits = await call("POST", `/qr_codes/${created.json.id}/download`, { key: org.readKey, body: { format: "png", size: minimum } });
    expect(fits.status, fits.text).toBe(200);
  });
});
