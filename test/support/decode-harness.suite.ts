/**
 * Shared probe suite for the decode harness, run both in Node (test/unit/decode-harness.test.ts)
 * and in workerd (test/worker/decode-harness.test.ts), where ZBar and quirc answer through the
 * worker project's service binding: the same probes prove every family reads and can fail in both.
 */
import { generate, mode } from "lean-qr";
import { describe, expect, it } from "vitest";
import { decodePng, decodeSvg, expectDecoded, expectScans, expectSvgScans, familiesChecked, type DecodeResult } from "./decode";
import { blankPng, qrToPng, qrToSvg, referenceQr } from "./reference-qr";

export const SAMPLES = {
  url: "https://example.com/a?b=c&d=e",
  cjk: "日本語のテキスト、中文字符，한국어",
  emoji: "Party 🎉 ✅ 👍🏽 👨‍👩‍👧",
} as const;

export function decodeHarnessSuite(envName: string): void {
  describe(`decode harness (${envName})`, () => {
    for (const [name, text] of Object.entries(SAMPLES)) {
      it(`PNG: every decoder family returns the exact ${name} payload`, async () => {
        const png = qrToPng(referenceQr(text));
        const t0 = performance.now();
        const result = await expectScans(png, text);
        console.log(`[${envName}] decodePng ${name} ${result.width}x${result.height}: ${(performance.now() - t0).toFixed(1)} ms`);
      });

      it(`SVG: every decoder family returns the exact ${name} payload`, async () => {
        const code = referenceQr(text);
        const size = (code.size + 8) * 8;
        const t0 = performance.now();
        const result = await expectSvgScans(qrToSvg(code), size, text);
        expect(result.width).toBe(size);
        console.log(`[${envName}] decodeSvg ${name} ${result.width}x${result.height}: ${(performance.now() - t0).toFixed(1)} ms`);
      });
    }

    it("blank white PNG decodes to nothing (the harness can fail)", async () => {
      const result = await decodePng(blankPng(200, 200));
      expect(result).toEqual({ zxing: [], jsqr: null, width: 200, height: 200 });
      await expect(expectScans(blankPng(200, 200), "anything")).rejects.toThrow(/QR decode mismatch/);
    });

    it("ZBar (where installed) and quirc read a good image and nothing on a blank one", async () => {
      const good = await decodePng(qrToPng(referenceQr(SAMPLES.url)));
      expect(familiesChecked()).toContain("quirc");
      expect(good.quirc).toBe(SAMPLES.url);
      if (familiesChecked().includes("zbar")) expect(good.zbar).toBe(SAMPLES.url);
      else console.log(`[${envName}] zbarimg is not installed: ZBar is not checked`);
      const blank = await decodePng(blankPng(200, 200));
      expect(blank.quirc).toBeUndefined();
      expect(blank.zbar).toBeUndefined();
      expect(() => expectDecoded(blank, SAMPLES.url)).toThrow(/QR decode mismatch/);
    });

    it("a wrong payload in any one family fails expectDecoded", async () => {
      const good = await decodePng(qrToPng(referenceQr("hello")));
      expectDecoded(good, "hello");
      const wrong: Record<string, Partial<DecodeResult>> = {
        zxing: { zxing: ["hello!"] },
        jsqr: { jsqr: "hello!" },
        zbar: { zbar: "hello!" },
        quirc: { quirc: "hello!" },
      };
      for (const family of familiesChecked()) {
        expect(() => expectDecoded({ ...good, ...wrong[family] }, "hello"), family).toThrow(/QR decode mismatch[\s\S]*"hello!"/);
      }
      // ZBar and quirc say they read nothing by leaving their field out: that fails as well.
      for (const family of familiesChecked().filter((f): f is "zbar" | "quirc" => f === "zbar" || f === "quirc")) {
        const silent = { ...good };
        delete silent[family];
        expect(() => expectDecoded(silent, "hello"), `${family} silent`).toThrow(/QR decode mismatch/);
      }
    });

    it("blank SVG decodes to nothing", async () => {
      const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#fff"/></svg>';
      expect(await decodeSvg(svg, 200)).toEqual({ zxing: [], jsqr: null, width: 200, height: 200 });
    });

    it("a different payload fails expectScans", async () => {
      const png = qrToPng(referenceQr("hello"));
      await expect(expectScans(png, "hello!")).rejects.toThrow(/QR decode mismatch/);
    });

    it("comparison is exact string equality, not prefix/contains", async () => {
      const png = qrToPng(referenceQr(SAMPLES.url));
      await expect(expectScans(png, SAMPLES.url.slice(0, -1))).rejects.toThrow(/QR decode mismatch/);
      await expect(expectScans(png, `${SAMPLES.url} `)).rejects.toThrow(/QR decode mismatch/);
    });

    it("transparent background is composited onto white (default) or the given background", async () => {
      const code = referenceQr(SAMPLES.url);
      // dark modules opaque black, everything else fully transparent *black* (0,0,0,0)
      const png = qrToPng(code, { on: [0, 0, 0, 255], off: [0, 0, 0, 0] });
      await expectScans(png, SAMPLES.url);
      expect(await decodePng(png, { background: [0, 0, 0] })).toMatchObject({ zxing: [], jsqr: null });
      // same through resvg (premultiplied output)
      const svg = qrToSvg(code).replace('<rect width="100%" height="100%" fill="#fff"/>', "");
      await expectSvgScans(svg, 330, SAMPLES.url);
      expect(await decodeSvg(svg, 330, { background: [0, 0, 0] })).toMatchObject({ zxing: [], jsqr: null });
    });

    it("SVG rasterised at a non-integer module size still scans", async () => {
      const code = referenceQr(SAMPLES.url);
      await expectSvgScans(qrToSvg(code), 301, SAMPLES.url);
    });

    it("documents jsQR vs zxing on ISO-8859-1 byte mode (ECI 3)", async () => {
      const text = "café déjà vu";
      const png = qrToPng(generate(text, { modes: [mode.iso8859_1] }));
      const result = await decodePng(png);
      console.log(`[${envName}] ISO-8859-1/ECI 3 ${JSON.stringify(text)} -> ${JSON.stringify(result)}`);
      expect(result.zxing).toEqual([text]);
      // jsQR ignores ECI and always decodes byte segments as UTF-8 via decodeURIComponent; an
      // invalid UTF-8 segment is silently dropped, so the whole byte segment becomes "".
      expect(result.jsqr).toBe("");
    });
  });
}
