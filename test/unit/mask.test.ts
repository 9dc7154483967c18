import fc from "fast-check";
import { correction, generate, mode } from "lean-qr";
import { describe, expect, it } from "vitest";
import { ECC_LEVELS, type EccLevel, encodeQr } from "../../src/qr/encode";
import { formatWord, penalty } from "../../src/qr/mask";

const LEAN: Record<EccLevel, (typeof correction)[keyof typeof correction]> = { L: correction.L, M: correction.M, Q: correction.Q, H: correction.H };
const MODES = [mode.numeric, mode.alphaNumeric, mode.ascii, mode.utf8];

/** lean-qr choosing the mask itself, as encodeQr did before mask selection moved out of it. */
function expectSameAsLeanQr(text: string, level: EccLevel, fixed: boolean, version = 0): void {
  const ours = encodeQr(text, { errorCorrectionLevel: level, errorCorrectionFixed: fixed, version });
  const reference = generate(text, {
    modes: MODES,
    minCorrectionLevel: LEAN[level],
    maxCorrectionLevel: fixed ? LEAN[level] : correction.H,
    minVersion: version || 1,
    maxVersion: version || 40,
  });
  expect(ours.size).toBe(reference.size);
  let differing = 0;
  for (let row = 0; row < ours.size; row++) for (let col = 0; col < ours.size; col++) if (ours.isDark(row, col) !== reference.get(col, row)) differing++;
  expect(differing, `${JSON.stringify(text.slice(0, 40))} at ${level}`).toBe(0);
}

describe("mask selection", () => {
  it("picks exactly lean-qr's symbol for a corpus at every level", () => {
    const corpus = [
      "https://qr.example.com/r/aZ3kP9qL?utm_source=print",
      "HELLO WORLD 123",
      "0".repeat(1000),
      "tel:+15551234567",
      "日本語テキスト",
      "😀 emoji ✓ U+0800 \u0800",
      "WIFI:T:WPA;S:cafe;P:p\\;ss;;",
      "x".repeat(1200),
    ];
    for (const text of corpus) for (const level of ECC_LEVELS) for (const fixed of [true, false]) expectSameAsLeanQr(text, level, fixed);
    // Versions with version information blocks and many alignment patterns.
    for (const version of [7, 21, 40]) expectSameAsLeanQr("https://qr.example.com/", "M", true, version);
  });

  it("picks exactly lean-qr's symbol for arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), fc.constantFrom(...ECC_LEVELS), fc.boolean(), (text, level, fixed) => expectSameAsLeanQr(text, level, fixed)),
      { numRuns: 150 },
    );
  });

  it("format words match ISO 18004 Annex C", () => {
    // Level M (00), mask 5: 100000011001110 after the XOR mask (the worked example of Annex C).
    expect(formatWord(0, 5)).toBe(0b100000011001110);
    // Level L (01), mask 0 and level H (10), mask 7, from the table of all 32 format words.
    expect(formatWord(1, 0)).toBe(0b111011111000100);
    expect(formatWord(2, 7)).toBe(0b000100000111011);
  });

  it("penalty scores each rule as ISO 18004 7.8.3 does", () => {
    const size = 21;
    const all = (v: number) => new Uint8Array(size * size).fill(v);
    // All light: every row and column is one run of 21 (3 + 16 each, 42 lines), (20 x 20) 2x2 blocks
    // of 3, no dark modules (10 points per 5% away from half: 100).
    const light = penalty(all(0), size);
    expect(light).toBe(42 * (3 + 16) + 400 * 3 + 100);
    // A checkerboard has no runs, no blocks, no finder look-alikes and exactly half dark.
    const checker = new Uint8Array(size * size).map((_, i) => (Math.floor(i / size) + (i % size)) % 2);
    expect(penalty(checker, size)).toBe(10 * Math.floor(10 * Math.abs((2 * checker.reduce((a, b) => a + b, 0)) / (size * size) - 1)));
  });
});
