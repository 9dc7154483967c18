import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { decodeRgba, expectDecoded, expectScans, expectSvgScans, rasterizeSvg, readPng } from "../support/decode";
import { downscale, onPaper } from "../support/image-ops";
import { SAMPLES } from "./qr-samples";
import { call, seedOrg } from "./qr-support";

/** A design that exercises the styled path: shapes, colours, corner types. */
const STYLED = { dotsOptionsType: "rounded", dotsOptionsColor: "#1e293b", cornersSquareOptionsType: "extra-rounded", cornersSquareOptionsColor: "#0f766e", cornersDotOptionsType: "dot", backgroundOptionsColor: "#f8fafc" };

async function createCode(key: string, type: string, content: unknown, appearance: unknown = STYLED, name = `A ${type} code`) {
  const res = await call("POST", "/qr_codes", { key, body: { name, type, content, appearance } });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

const expectedText = (code: { attributes: { dynamicUrl: string | null } }, payload?: string) => payload ?? code.attributes.dynamicUrl!;

describe("downloads decode back to what each type encodes", () => {
  for (const [type, sample] of Object.entries(SAMPLES))
    it(`${type}: PNG and SVG at 100, 300 and 5000 px, refused at 10 px`, async () => {
      const org = await seedOrg();
      const code = await createCode(org.writeKey, type, sample.content);
      const text = expectedText(code, "payload" in sample ? sample.payload : undefined);
      for (const size of [100, 300]) {
        const png = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body: { format: "png", size, margin: 4 } });
        expect(png.status, png.text).toBe(200);
        expect(png.headers.get("content-type")).toBe("image/png");
        const image = readPng(png.bytes);
        expect([image.width, image.height]).toEqual([size, size]);
        await expectScans(png.bytes, text);
        const svg = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body: { format: "svg", size, margin: 4 } });
        expect(svg.headers.get("content-type")).toBe("image/svg+xml");
        expect(svg.text).toMatch(new RegExp(`^<svg[^>]* width="${size}" height="${size}"`));
        await expectSvgScans(svg.text, size, text);
      }
      // 5000 px: the full size, decoded after a box-filter down to 500 px (what a camera sees from afar).
      const large = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body: { format: "png", size: 5000 } });
      expect(large.status, large.text).toBe(200);
      const largeImage = readPng(large.bytes);
      expect([largeImage.width, largeImage.height]).toEqual([5000, 5000]);
      expectDecoded(await decodeRgba(onPaper(downscale(largeImage, 10))), text);
      const largeSvg = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body: { format: "svg", size: 5000 } });
      expect(largeSvg.text).toMatch(/^<svg[^>]* width="5000" height="5000"/);
      expectDecoded(await decodeRgba(onPaper(await rasterizeSvg(largeSvg.text, 500))), text);
      const tiny = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body: { size: 10 } });
      expect(tiny.status).toBe(400);
      expect(tiny.json.violations).toHaveLength(1);
      expect(tiny.json.violations[0].propertyPath).toBe("size");
      const minimum = Number(/smallest size that works for this code is (\d+) px/.exec(tiny.json.violations[0].message)?.[1]);
      expect(minimum).toBeGreaterThan(10);
      // The size it names really works, and one pixel less really does not.
      const atMinimum = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body: { size: minimum } });
      expect(atMinimum.status, atMinimum.text).toBe(200);
      expect((await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body: { size: minimum - 1 } })).status).toBe(400);
    });

  it("5000 px in both formats, styled, with a built-in logo", async () => {
    const org = await seedOrg();
    const code = await createCode(org.writeKey, "url", SAMPLES.url.content, { ...STYLED, predefinedImage: "wifi", qrOptionsErrorCorrectionLevel: "H" });
    const png = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body: { format: "png", size: 5000, margin: 30 } });
    expect(png.status, png.text).toBe(200);
    const image = readPng(png.bytes);
    expect([image.width, image.height]).toEqual([5000, 5000]);
    expectDecoded(await decodeRgba(onPaper(downscale(image, 10))), code.attributes.dynamicUrl);
    const svg = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body: { format: "svg", size: 5000 } });
    expect(svg.text).toMatch(/^<svg[^>]* width="5000" height="5000"/);
    expectDecoded(await decodeRgba(onPaper(await rasterizeSvg(svg.text, 500))), code.attributes.dynamicUrl);
  });

  it("applies the full appearance and the download margin", async () => {
    const org = await seedOrg();
    const code = await createCode(org.writeKey, "url", SAMPLES.url.content, { backgroundOptionsColor: "#fde68a", dotsOptionsColor: "#7c2d12" });
    const png = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body: { size: 200, margin: 30 } });
    const image = readPng(png.bytes);
    // Top-left pixel sits in the margin: the design's background, not white.
    expect([...image.data.subarray(0, 3)]).toEqual([0xfd, 0xe6, 0x8a]);
    // 30 px of margin: along the middle row the first dark module starts at or after x = 30.
    const row = 100 * 4 * 200;
    const firstDark = [...Array(200).keys()].find((x) => image.data[row + x * 4] === 0x7c);
    expect(firstDark).toBeDefined();
    expect(firstDark).toBeGreaterThanOrEqual(30);
  });

  it("defaults to a 300 px PNG and negotiates SVG through Accept", async () => {
    const org = await seedOrg();
    const code = await createCode(org.writeKey, "url", SAMPLES.url.content);
    const plain = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey });
    expect(plain.headers.get("content-type")).toBe("image/png");
    expect(readPng(plain.bytes).width).toBe(300);
    const svg = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, headers: { Accept: "image/png;q=0.5, image/svg+xml" } });
    expect(svg.headers.get("content-type")).toBe("image/svg+xml");
    const explicit = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body: { format: "png" }, headers: { Accept: "image/svg+xml" } });
    expect(explicit.headers.get("content-type")).toBe("image/png");
  });

  it("validates the options", async () => {
    const org = await seedOrg();
    const code = await createCode(org.writeKey, "url", SAMPLES.url.content);
    const res = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body: { format: "gif", size: 5001, margin: 31 } });
    expect(res.status).toBe(400);
    expect(res.json.violations).toEqual([
      { propertyPath: "format", message: "must be one of: png, svg" },
      { propertyPath: "size", message: "must be 5000 or less" },
      { propertyPath: "margin", message: "must be 30 or less" },
    ]);
    expect((await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body: { size: 9 } })).json.violations).toEqual([{ propertyPath: "size", message: "must be 10 or more" }]);
    expect((await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body: { size: 300.5 } })).json.violations).toEqual([{ propertyPath: "size", message: "must be an integer" }]);
  });
});

describe("download cache and headers", () => {
  it("an identical request is served without rendering; an edit changes the key", async () => {
    const org = await seedOrg();
    const code = await createCode(org.writeKey, "url", SAMPLES.url.content);
    const body = { format: "png", size: 320, margin: 8 };
    const first = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body, settle: true });
    expect(first.headers.get("x-render-cache")).toBe("miss");
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    // The render is stored (after the response) for every location.
    expect((await env.FILES.list({ prefix: `renders/${etag.slice(1, 33)}` })).objects).toHaveLength(1);
    const second = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body });
    expect(second.headers.get("x-render-cache")).toBe("hit");
    expect(second.headers.get("x-request-id")).toBeTruthy();
    expect(first.headers.get("x-request-id")).toBeTruthy();
    expect(second.bytes).toEqual(first.bytes);
    expect(second.headers.get("etag")).toBe(etag);
    const notModified = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body, headers: { "If-None-Match": etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.bytes).toHaveLength(0);
    const viaGet = await call("GET", `/qr_codes/${code.id}/download?format=png&size=320&margin=8`, { key: org.readKey, headers: { "If-None-Match": etag } });
    expect(viaGet.status).toBe(304);

    await call("PUT", `/qr_codes/${code.id}`, { key: org.writeKey, body: { name: code.name, content: SAMPLES.url.content, appearance: { dotsOptionsColor: "#123456" } } });
    const edited = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body, headers: { "If-None-Match": etag } });
    expect(edited.status).toBe(200);
    expect(edited.headers.get("x-render-cache")).toBe("miss");
    expect(edited.headers.get("etag")).not.toBe(etag);
    // A new target changes a dynamic code's image not at all: it encodes the short link.
    await call("PUT", `/qr_codes/${code.id}`, { key: org.writeKey, body: { name: code.name, content: { url: "https://example.com/other" }, appearance: { dotsOptionsColor: "#123456" } } });
    expect((await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body })).headers.get("x-render-cache")).toBe("hit");
  });

  it("names the file after the code, safely", async () => {
    const org = await seedOrg();
    const cases: [string, RegExp][] = [
      ["Été 2026 — Poster", /^attachment; filename="ete-2026-poster\.png"; filename\*=UTF-8''%C3%89t%C3%A9%202026%20%E2%80%94%20Poster\.png$/],
      ['a"; filename=evil.exe', /^attachment; filename="a-filename-evil-exe\.png"; filename\*=UTF-8''a%22%3B%20filename%3Devil\.exe\.png$/],
      ["..\\..\\etc/passwd", /^attachment; filename="etc-passwd\.png"; filename\*=UTF-8''\.\.\.\.etcpasswd\.png$/],
      ["line\r\nSet-Cookie: x=1", /^attachment; filename="line-set-cookie-x-1\.png"; filename\*=UTF-8''lineSet-Cookie%3A%20x%3D1\.png$/],
      ["日本語", /^attachment; filename="qr-code\.png"; filename\*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E\.png$/],
      ["\u202Egnp.exe", /^attachment; filename="gnp-exe\.png"; filename\*=UTF-8''gnp\.exe\.png$/],
      // An emoji straddling the 150-character cut must not be split into a lone surrogate.
      [`${"a".repeat(149)}😀`, new RegExp(`^attachment; filename="${"a".repeat(80)}\\.png"; filename\\*=UTF-8''${"a".repeat(149)}%F0%9F%98%80\\.png$`)],
      [`${"b".repeat(148)}😀😀`, new RegExp(`^attachment; filename="${"b".repeat(80)}\\.png"; filename\\*=UTF-8''${"b".repeat(148)}%F0%9F%98%80%F0%9F%98%80\\.png$`)],
    ];
    for (const [name, expected] of cases) {
      const code = await createCode(org.writeKey, "url", SAMPLES.url.content, {}, name);
      const res = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-disposition")).toMatch(expected);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    const long = await createCode(org.writeKey, "url", SAMPLES.url.content, {}, "x".repeat(255));
    const header = (await call("POST", `/qr_codes/${long.id}/download`, { key: org.readKey, body: { format: "svg" } })).headers.get("content-disposition")!;
    expect(header).toContain(`filename="${"x".repeat(80)}.svg"`);
  });
});
