/**
 * Which decoder family reads which style: the calibration behind the "universal" guarantee
 * (src/qr/shapes.ts UNIVERSAL_RING_RADIUS and finderDrawing, src/qr/contrast.ts).
 *
 *   sh scripts/with-node.sh npx tsx bench/scannability.ts [--quick] [--radius-sweep] [--only=<text>]
 *
 * --quick: versions 1, 10, 40 and no logo (about a minute and a half); --radius-sweep: only the
 * ring-rounding rows, over versions 1-8, 10, 12, 15, 20, 25, 30, 35, 40; --only: rows whose name
 * contains the text. The whole table takes about half an hour on two cores.
 *
 * Every row is drawn under scannability "relaxed" (exactly as asked) unless it says otherwise, and
 * rendered as the API renders a PNG, across versions 1, 3, 6, 10, 15, 20, 30, 40, error correction
 * L and H, 300 and 1000 px, with and without a logo (a built-in icon; only where a logo fits: a
 * logo may not cover an alignment pattern, and 300 px cannot hold version 40). Each cell is
 * "codes read / codes drawn" for ZXing, jsQR, ZBar and quirc, then the versions where a family
 * failed. The radius rows draw the finder ring as a square ring whose outer corners are rounded by
 * that many modules (the shape "universal" draws instead of round rings).
 */
import "../test/support/engine-node";
import { AppearanceSchema, BUILTIN_ICON_KEYS, CORNER_DOT_TYPES, CORNER_SQUARE_TYPES, DOT_TYPES, type AppearanceInput, type CenterImage, type PlanRequest, QrError, renderQrPng } from "../src/qr";
import type { RingDrawing } from "../src/qr/shapes";
import { decodePng } from "../test/support/decode";

const quick = process.argv.includes("--quick");
const sweep = process.argv.includes("--radius-sweep");
const VERSIONS = sweep ? [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 35, 40] : quick ? [1, 10, 40] : [1, 3, 6, 10, 15, 20, 30, 40];
const LEVELS = ["L", "H"] as const;
const SIZES = [300, 1000] as const;
const LOGOS = quick || sweep ? [false] : [false, true];
// Short enough for version 1 at level H (10 alphanumeric characters); larger versions are forced.
const CONTENT = "HTTP://Q/7";
const LOGO: CenterImage = { kind: "icon", key: BUILTIN_ICON_KEYS[0]! };
const FAMILIES = ["zxing", "jsqr", "zbar", "quirc"] as const;
type Family = (typeof FAMILIES)[number];

interface Row {
  name: string;
  appearance: AppearanceInput;
  universalRing?: RingDrawing;
}

const rows: Row[] = [];
for (const ring of CORNER_SQUARE_TYPES) rows.push({ name: `ring ${ring}`, appearance: { cornersSquareOptionsType: ring, cornersDotOptionsType: "square" } });
for (const centre of CORNER_DOT_TYPES) rows.push({ name: `centre ${centre}`, appearance: { cornersSquareOptionsType: "square", cornersDotOptionsType: centre } });
for (const dots of DOT_TYPES) rows.push({ name: `dots ${dots} (corners in the dots' type)`, appearance: { dotsOptionsType: dots } });
for (const dots of DOT_TYPES) rows.push({ name: `dots ${dots}, square corners`, appearance: { dotsOptionsType: dots, cornersSquareOptionsType: "square", cornersDotOptionsType: "square" } });
for (const radius of sweep ? [0, 0.25, 0.5, 0.75, 1, 1.5] : [0, 0.25, 0.5, 1, 1.5, 2.5])
  rows.push({ name: `ring rounded square, radius ${radius}`, appearance: { cornersSquareOptionsType: "extra-rounded", cornersDotOptionsType: "square", scannability: "universal" }, universalRing: { roundedSquare: radius } });
for (const inner of sweep ? [0.5, 0.75, 1] : [0.5, 1, 1.5])
  rows.push({ name: `ring square outside, hole radius ${inner}`, appearance: { cornersSquareOptionsType: "extra-rounded", cornersDotOptionsType: "square", scannability: "universal" }, universalRing: { roundedSquare: 0, innerRadius: inner } });
for (const grey of ["#9ca3af", "#6b7280", "#5b6472", "#4b5563", "#374151"]) {
  rows.push({ name: `background ${grey}`, appearance: { backgroundOptionsColor: grey } });
  for (const type of ["linear", "radial"] as const)
    rows.push({
      name: `background ${type} #ffffff → ${grey}`,
      appearance: { backgroundOptionsGradientType: type, backgroundOptionsGradientColorStops: [{ offset: 0, color: "#ffffff" }, { offset: 1, color: grey }] },
    });
}
for (const ring of CORNER_SQUARE_TYPES)
  for (const dots of DOT_TYPES)
    rows.push({ name: `universal: ring ${ring}, dots ${dots}`, appearance: { scannability: "universal", cornersSquareOptionsType: ring, dotsOptionsType: dots } });
for (const dots of DOT_TYPES) rows.push({ name: `universal: dots ${dots}, corners in the dots' type`, appearance: { scannability: "universal", dotsOptionsType: dots } });
rows.push({ name: "README example (universal)", appearance: readmeExample("universal") });
rows.push({ name: "README example (relaxed)", appearance: readmeExample("relaxed") });

function readmeExample(scannability: "universal" | "relaxed"): AppearanceInput {
  return {
    // README.md's walk-through design (shape, dots, ring and logo as there; its level is set per row)
    shape: "circle",
    dotsOptionsType: "rounded",
    dotsOptionsColor: "#111111",
    cornersSquareOptionsType: "extra-rounded",
    predefinedImage: "link",
    scannability,
  };
}

const only = process.argv.find((arg) => arg.startsWith("--only="))?.slice(7);
console.log(`| style | ${FAMILIES.join(" | ")} | failed at versions |`);
console.log(`| --- | ${FAMILIES.map(() => "---").join(" | ")} | --- |`);
for (const row of rows) {
  if ((only && !row.name.includes(only)) || (sweep && !row.name.includes("radius ") && !row.name.includes("hole"))) continue;
  const read: Record<Family, number> = { zxing: 0, jsqr: 0, zbar: 0, quirc: 0 };
  const failedAt: Record<Family, Set<number>> = { zxing: new Set(), jsqr: new Set(), zbar: new Set(), quirc: new Set() };
  let drawn = 0;
  for (const version of VERSIONS)
    for (const level of LEVELS)
      for (const size of SIZES)
        for (const logo of LOGOS) {
          const request: PlanRequest = {
            content: CONTENT,
            appearance: AppearanceSchema.parse({ scannability: "relaxed", ...row.appearance, qrOptionsTypeNumber: version, qrOptionsErrorCorrectionLevel: level }),
            size,
            image: logo ? LOGO : null,
            errorCorrectionFixed: true,
            ...(row.universalRing === undefined ? {} : { universalRing: row.universalRing }),
          };
          let png: Uint8Array;
          try {
            png = (await renderQrPng(request)).bytes;
          } catch (err) {
            if (err instanceof QrError) continue; // too small a canvas, or a logo that may not cover this version's centre
            throw err;
          }
          drawn++;
          const result = await decodePng(png);
          const got: Record<Family, string | null | undefined> = { zxing: result.zxing.length === 1 ? result.zxing[0] : null, jsqr: result.jsqr, zbar: result.zbar, quirc: result.quirc };
          for (const family of FAMILIES) {
            if (got[family] === CONTENT) read[family]++;
            else failedAt[family].add(version);
          }
        }
  const failures = FAMILIES.filter((f) => failedAt[f].size > 0).map((f) => `${f}: ${[...failedAt[f]].join(",")}`);
  console.log(`| ${row.name} | ${FAMILIES.map((f) => `${read[f]}/${drawn}`).join(" | ")} | ${failures.join("; ") || "—"} |`);
}
