// Builds the font that frame captions are drawn from (src/qr/fonts/), once; the output is checked in.
//
// DejaVu Sans Bold (npm `dejavu-fonts-ttf`) is one TrueType file that covers every script frames
// support, with the OpenType features that join Arabic letters: no font fallback to arrange. It is
// cut down to those scripts with harfbuzz's hb-subset (npm `subset-font`), which keeps the glyphs
// reachable through GSUB (Arabic initial, medial, final and ligature forms) and the kerning.
//
// Neither package is a dependency of the project; run it with both installed anywhere:
//   mkdir -p /tmp/fonttools && (cd /tmp/fonttools && npm install subset-font@2.9.0 dejavu-fonts-ttf@2.37.3)
//   FONT_TOOLS=/tmp/fonttools node scripts/subset-font.mjs
//
// Writes src/qr/fonts/DejaVuSans-Bold-subset.ttf, LICENSE-DejaVu.txt beside it, and
// frame-font-data.ts (the same bytes as base64, so the engine loads it in Node, workerd and the
// browser alike without a bundler rule or a file system) and frame-font-coverage.ts (the code
// points the subset maps).
import { createRequire } from "node:module";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const tools = process.env.FONT_TOOLS ? path.join(path.resolve(process.env.FONT_TOOLS), "node_modules") : root;
const require = createRequire(path.join(tools, "noop.js"));
const subsetFont = require("subset-font");
const dejavu = path.dirname(require.resolve("dejavu-fonts-ttf/package.json"));
const version = JSON.parse(readFileSync(path.join(dejavu, "package.json"), "utf8")).version;

/** The scripts frames support, as Unicode blocks (inclusive ranges). */
const RANGES = [
  [0x0020, 0x007e, "Basic Latin"],
  [0x00a0, 0x00ff, "Latin-1 Supplement"],
  [0x0100, 0x017f, "Latin Extended-A"],
  [0x0180, 0x024f, "Latin Extended-B"],
  [0x0300, 0x036f, "Combining Diacritical Marks"],
  [0x0370, 0x03ff, "Greek and Coptic"],
  [0x0400, 0x04ff, "Cyrillic"],
  [0x0500, 0x052f, "Cyrillic Supplement"],
  [0x0590, 0x05ff, "Hebrew"],
  [0x0600, 0x06ff, "Arabic"],
  [0x1e00, 0x1eff, "Latin Extended Additional"],
  [0x2000, 0x206f, "General Punctuation"],
  [0x20a0, 0x20bf, "Currency Symbols"],
  [0x2116, 0x2116, "Numero sign"],
  [0x2122, 0x2122, "Trade mark sign"],
  [0x2190, 0x2199, "Arrows"],
  [0xfb1d, 0xfb4f, "Alphabetic Presentation Forms (Hebrew)"],
  [0xfb50, 0xfdff, "Arabic Presentation Forms-A"],
  [0xfe70, 0xfeff, "Arabic Presentation Forms-B"],
];

let text = "";
for (const [from, to] of RANGES) for (let cp = from; cp <= to; cp++) text += String.fromCodePoint(cp);

const source = readFileSync(path.join(dejavu, "ttf", "DejaVuSans-Bold.ttf"));
// Hinting is for screens at small sizes; outlines are all we draw.
const subset = await subsetFont(source, text, { targetFormat: "truetype", noHinting: true });

/** Code points the font's cmap maps to a glyph (format 4 and 12 subtables). */
function mappedCodePoints(font) {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const tables = view.getUint16(4);
  let cmap = -1;
  for (let i = 0; i < tables; i++) {
    const record = 12 + 16 * i;
    if (String.fromCharCode(...font.subarray(record, record + 4)) === "cmap") cmap = view.getUint32(record + 8);
  }
  if (cmap < 0) throw new Error("the subset has no cmap");
  const points = new Set();
  const subtables = view.getUint16(cmap + 2);
  for (let i = 0; i < subtables; i++) {
    const offset = cmap + view.getUint32(cmap + 4 + 8 * i + 4);
    const format = view.getUint16(offset);
    if (format === 4) {
      const segments = view.getUint16(offset + 6) / 2;
      const ends = offset + 14;
      const starts = ends + 2 * segments + 2;
      const deltas = starts + 2 * segments;
      const rangeOffsets = deltas + 2 * segments;
      for (let s = 0; s < segments; s++) {
        const end = view.getUint16(ends + 2 * s);
        const start = view.getUint16(starts + 2 * s);
        const delta = view.getInt16(deltas + 2 * s);
        const rangeOffset = view.getUint16(rangeOffsets + 2 * s);
        for (let cp = start; cp <= end && cp !== 0xffff; cp++) {
          let glyph;
          if (rangeOffset === 0) glyph = (cp + delta) & 0xffff;
          else {
            const at = rangeOffsets + 2 * s + rangeOffset + 2 * (cp - start);
            glyph = view.getUint16(at);
            if (glyph !== 0) glyph = (glyph + delta) & 0xffff;
          }
          if (glyph !== 0) points.add(cp);
        }
      }
    } else if (format === 12) {
      const groups = view.getUint32(offset + 12);
      for (let g = 0; g < groups; g++) {
        const at = offset + 16 + 12 * g;
        const start = view.getUint32(at);
        const end = view.getUint32(at + 4);
        const glyph = view.getUint32(at + 8);
        for (let cp = start; cp <= end; cp++) if (glyph + (cp - start) !== 0) points.add(cp);
      }
    }
  }
  return [...points].sort((a, b) => a - b);
}

/** Consecutive code points as [first, last] pairs: the table the engine checks captions against. */
function toRanges(points) {
  const ranges = [];
  for (const cp of points) {
    const last = ranges.at(-1);
    if (last && last[1] === cp - 1) last[1] = cp;
    else ranges.push([cp, cp]);
  }
  return ranges;
}

const out = path.join(root, "src", "qr", "fonts");
mkdirSync(out, { recursive: true });
const bytes = new Uint8Array(subset);
writeFileSync(path.join(out, "DejaVuSans-Bold-subset.ttf"), bytes);
writeFileSync(path.join(out, "LICENSE-DejaVu.txt"), readFileSync(path.join(dejavu, "LICENSE")));
const ranges = toRanges(mappedCodePoints(bytes));
const base64 = Buffer.from(bytes).toString("base64");
writeFileSync(
  path.join(out, "frame-font-data.ts"),
  `// Generated by scripts/subset-font.mjs from dejavu-fonts-ttf ${version} (DejaVuSans-Bold.ttf); do not edit.\n` +
    `// Licence: LICENSE-DejaVu.txt beside this file (Bitstream Vera and Arev fonts licences, public domain changes).\n` +
    `// Blocks kept: ${RANGES.map(([, , name]) => name).join(", ")}.\n\n` +
    `/** The font's family name, as resvg looks it up. */\n` +
    `export const FRAME_FONT_FAMILY = "DejaVu Sans";\n\n` +
    `/** DejaVuSans-Bold-subset.ttf (${bytes.length} bytes), base64. */\n` +
    `export const FRAME_FONT_BASE64 =\n  "${base64}";\n`,
);
// The code points apart from the bytes: checking a caption's characters must not load the font
// (the browser bundle loads the font only for a design with a frame).
writeFileSync(
  path.join(out, "frame-font-coverage.ts"),
  `// Generated by scripts/subset-font.mjs from dejavu-fonts-ttf ${version} (DejaVuSans-Bold.ttf); do not edit.\n` +
    `// Licence: LICENSE-DejaVu.txt beside this file (Bitstream Vera and Arev fonts licences, public domain changes).\n` +
    `// Blocks kept: ${RANGES.map(([, , name]) => name).join(", ")}.\n` +
    `// Apart from the font's bytes (frame-font-data.ts) so that checking a caption's characters loads no font.\n\n` +
    `/** Code points the subset maps to a glyph, as inclusive [first, last] ranges in ascending order. */\n` +
    `export const FRAME_FONT_CODE_POINTS: readonly (readonly [number, number])[] = ${JSON.stringify(ranges)};\n`,
);
console.log(`DejaVu Sans Bold ${version}: ${source.length} bytes -> ${bytes.length} bytes, ${ranges.length} ranges of mapped code points`);
