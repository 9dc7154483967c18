/**
 * Probe suite for png-decode.ts (the PNG reader the harness uses inside workerd). Expected pixels
 * are computed straight from the fixture spec; in Node, results are also compared with pngjs.
 */
import { describe, expect, it } from "vitest";
import { isWorkerd, readPngWithPngjs } from "./decode";
import { decodePngToRgba } from "./png-decode";
import { encodePngFixture, type PngFixtureSpec } from "./png-fixtures";

const scale = (v: number, depth: number) => (depth === 8 ? v : Math.floor((v * 255) / (2 ** depth - 1) + 0.5));

function expectedRgba(spec: PngFixtureSpec): Uint8Array {
  const out = new Uint8Array(spec.width * spec.height * 4);
  const t = spec.trns ?? [];
  const t16 = (i: number) => (t[i * 2]! << 8) | t[i * 2 + 1]!;
  for (let y = 0; y < spec.height; y++) {
    for (let x = 0; x < spec.width; x++) {
      const s = spec.pixel(x, y);
      const d = spec.bitDepth;
      let rgba: number[];
      switch (spec.colorType) {
        case 0:
          rgba = [scale(s[0]!, d), scale(s[0]!, d), scale(s[0]!, d), t.length && s[0] === t16(0) ? 0 : 255];
          break;
        case 2:
          rgba = [...s.map((v) => scale(v, d)), t.length && s[0] === t16(0) && s[1] === t16(1) && s[2] === t16(2) ? 0 : 255];
          break;
        case 3:
          rgba = [...spec.palette![s[0]!]!, s[0]! < t.length ? t[s[0]!]! : 255];
          break;
        case 4:
          rgba = [scale(s[0]!, d), scale(s[0]!, d), scale(s[0]!, d), scale(s[1]!, d)];
          break;
        case 6:
          rgba = s.map((v) => scale(v, d));
      }
      if ((spec.colorType === 0 || spec.colorType === 2) && rgba[3] === 0) rgba = [0, 0, 0, 0]; // pngjs convention
      out.set(rgba, (y * spec.width + x) * 4);
    }
  }
  return out;
}

function fixtures(): Array<[string, PngFixtureSpec]> {
  const list: Array<[string, PngFixtureSpec]> = [];
  const w = 13, h = 11; // odd sizes exercise partial bytes and small Adam7 passes
  const v = (x: number, y: number, k: number, max: number) => (x * 7 + y * 13 + k * 29 + x * y) % (max + 1);
  for (const interlace of [false, true]) {
    for (const d of [1, 2, 4, 8, 16] as const) {
      const max = 2 ** d - 1;
      list.push([`gray ${d}-bit`, { width: w, height: h, colorType: 0, bitDepth: d, interlace, pixel: (x, y) => [v(x, y, 0, max)] }]);
      list.push([
        `gray ${d}-bit + tRNS`,
        { width: w, height: h, colorType: 0, bitDepth: d, interlace, trns: [0, 1], pixel: (x, y) => [v(x, y, 0, max)] },
      ]);
    }
    for (const d of [1, 2, 4, 8] as const) {
      const n = 2 ** d;
      const palette = Array.from({ length: n }, (_, i) => [(i * 37) & 255, (i * 91) & 255, (i * 151) & 255] as [number, number, number]);
      const trns = Array.from({ length: Math.ceil(n / 2) }, (_, i) => (i * 53) & 255);
      list.push([
        `palette ${d}-bit + tRNS`,
        { width: w, height: h, colorType: 3, bitDepth: d, interlace, palette, trns, pixel: (x, y) => [v(x, y, 0, n - 1)] },
      ]);
    }
    for (const d of [8, 16] as const) {
      const max = 2 ** d - 1;
      const rgb = (x: number, y: number) => [v(x, y, 0, max), v(x, y, 1, max), v(x, y, 2, max)];
      list.push([`rgb ${d}-bit`, { width: w, height: h, colorType: 2, bitDepth: d, interlace, pixel: rgb }]);
      const [tr, tg, tb] = rgb(3, 4);
      const trns = [tr! >> 8, tr! & 255, tg! >> 8, tg! & 255, tb! >> 8, tb! & 255];
      list.push([`rgb ${d}-bit + tRNS`, { width: w, height: h, colorType: 2, bitDepth: d, interlace, trns, pixel: rgb }]);
      list.push([
        `gray+alpha ${d}-bit`,
        { width: w, height: h, colorType: 4, bitDepth: d, interlace, pixel: (x, y) => [v(x, y, 0, max), v(x, y, 3, max)] },
      ]);
      list.push([
        `rgba ${d}-bit`,
        { width: w, height: h, colorType: 6, bitDepth: d, interlace, pixel: (x, y) => [...rgb(x, y), v(x, y, 3, max)] },
      ]);
    }
  }
  return list.map(([name, spec]) => [`${name}${spec.interlace ? " (Adam7)" : ""}`, spec]);
}

export function pngDecodeSuite(envName: string): void {
  describe(`png-decode (${envName})`, () => {
    it.each(fixtures())("%s", (_name, spec) => {
      const png = encodePngFixture(spec);
      const decoded = decodePngToRgba(png);
      expect({ width: decoded.width, height: decoded.height }).toEqual({ width: spec.width, height: spec.height });
      expect(Array.from(decoded.data)).toEqual(Array.from(expectedRgba(spec)));
      if (!isWorkerd) expect(Array.from(decoded.data)).toEqual(Array.from(readPngWithPngjs(png).data));
    });

    it("rejects corrupted input", () => {
      const png = encodePngFixture({ width: 4, height: 4, colorType: 0, bitDepth: 8, pixel: () => [0] });
      const badCrc = png.slice();
      badCrc[20] = badCrc[20]! ^ 1; // inside IHDR data
      expect(() => decodePngToRgba(badCrc)).toThrow(/CRC mismatch in IHDR/);
      expect(() => decodePngToRgba(png.slice(0, png.length - 12))).toThrow(/missing IEND/);
      expect(() => decodePngToRgba(new Uint8Array([1, 2, 3]))).toThrow(/bad signature/);
    });
  });
}
