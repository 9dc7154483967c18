import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_ICONS, BUILTIN_ICON_KEYS, isBuiltinIcon } from "../../src/qr/icons";

const require = createRequire(import.meta.url);

const EXPECTED_KEYS = [
  "link", "globe", "phone", "email", "sms", "chat", "wifi", "location", "calendar",
  "contact", "file", "music", "play", "star", "heart", "cart", "info",
];

beforeAll(async () => {
  try {
    await initWasm(await readFile(require.resolve("@resvg/resvg-wasm/index_bg.wasm")));
  } catch (e) {
    // initWasm may run only once per isolate; another suite may have done it already.
    if (!(e instanceof Error && /already initialized/i.test(e.message))) throw e;
  }
});

/** Renders `body` in an SVG document with the given viewBox at size×size px; returns RGBA pixels. */
function render(body: string, viewBox: string, size: number): Uint8Array {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${viewBox}" width="${size}" height="${size}">` +
    `<g color="#000000">${body}</g></svg>`;
  const resvg = new Resvg(svg, { font: { loadSystemFonts: false } });
  try {
    const image = resvg.render();
    expect(image.width).toBe(size);
    expect(image.height).toBe(size);
    return image.pixels;
  } finally {
    resvg.free();
  }
}

const entries = Object.entries(BUILTIN_ICONS);

describe("built-in icons: registry", () => {
  it("has the expected keys, each lower-case kebab and equal to its record's key", () => {
    expect([...BUILTIN_ICON_KEYS].sort()).toEqual([...EXPECTED_KEYS].sort());
    for (const [key, icon] of entries) {
      expect(key).toMatch(/^[a-z][a-z-]*$/);
      expect(icon.key).toBe(key);
      expect(icon.title.trim()).not.toBe("");
    }
  });

  it("BUILTIN_ICON_KEYS lists exactly the record's keys, without duplicates", () => {
    expect(new Set(BUILTIN_ICON_KEYS).size).toBe(BUILTIN_ICON_KEYS.length);
    expect([...BUILTIN_ICON_KEYS].sort()).toEqual(Object.keys(BUILTIN_ICONS).sort());
  });

  it("isBuiltinIcon accepts known keys and rejects unknown ones", () => {
    expect(isBuiltinIcon("wifi")).toBe(true);
    for (const key of BUILTIN_ICON_KEYS) expect(isBuiltinIcon(key)).toBe(true);
    for (const key of ["whatsapp", "apple", "", "WIFI", "constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expect(isBuiltinIcon(key)).toBe(false);
    }
  });
});

describe.each(entries)("built-in icon %s", (_key, icon) => {
  it("contains nothing active or external", () => {
    expect(icon.body).not.toMatch(/<script/i);
    expect(icon.body).not.toMatch(/href/i);
    expect(icon.body).not.toMatch(/url\(/i);
    expect(icon.body).not.toMatch(/\son[a-z]*\s*=/i);
    expect(icon.body).not.toMatch(/<(foreignObject|image|use|style|a)\b/i);
  });

  it("is a sequence of plain shape elements painted with currentColor", () => {
    const element = /<(path|circle|rect|ellipse)((?:\s+[a-z-]+="[^"<>&]*")+)\s*\/>/g;
    expect(icon.body.replace(element, "")).toBe("");
    for (const m of icon.body.matchAll(element)) {
      const attrs = m[2]!;
      expect(attrs).toMatch(/\sfill="(currentColor|none)"/);
      expect(attrs).toMatch(/\sstroke="(currentColor|none)"/);
      if (/\sstroke="currentColor"/.test(attrs)) {
        expect(attrs).toMatch(/\sstroke-width="[\d.]+"/);
        expect(attrs).toMatch(/\sstroke-linecap="(round|butt|square)"/);
        expect(attrs).toMatch(/\sstroke-linejoin="(round|miter|bevel)"/);
      }
    }
  });

  it("renders at 48 px with substantial but not total coverage", () => {
    const size = 48;
    const px = render(icon.body, "0 0 24 24", size);
    let inked = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i]! >= 128) inked++;
    const coverage = inked / (size * size);
    expect(coverage).toBeGreaterThan(0.1);
    expect(coverage).toBeLessThan(0.8);
  });

  it("draws nothing outside the 0 0 24 24 box", () => {
    // 2 px per unit, with a 4-unit margin all round: the 24-unit box is pixels 8..55.
    const size = 64;
    const px = render(icon.body, "-4 -4 32 32", size);
    let outside = 0;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inBox = x >= 8 && x < 56 && y >= 8 && y < 56;
        if (!inBox && px[(y * size + x) * 4 + 3]! > 8) outside++;
      }
    }
    expect(outside).toBe(0);
  });
});
