import type { Appearance } from "./appearance";
import { finderDrawing } from "./shapes";

/** The decoder families the test suite reads every image with (test/support/decode.ts). */
export const DECODER_FAMILIES = ["zxing", "jsqr", "zbar", "quirc"] as const;
export type DecoderFamily = (typeof DECODER_FAMILIES)[number];

/**
 * Which guarantee an image drawn with this appearance carries. "universal" designs are drawn so
 * that every family reads them; a "relaxed" design that asks for something "universal" would draw
 * differently may fail in the families listed (measured in bench/scannability.ts, versions 1-40).
 * A relaxed design that "universal" would draw the same way carries the universal guarantee.
 */
export interface ScannabilityVerdict {
  guarantee: "universal" | "relaxed";
  /** empty under "universal" */
  mayFail: DecoderFamily[];
}

export function scannabilityOf(a: Appearance): ScannabilityVerdict {
  if (a.scannability === "universal") return { guarantee: "universal", mayFail: [] };
  const dots = a.dotsOptionsType;
  const ring = a.cornersSquareOptionsType ?? dots;
  const centre = a.cornersDotOptionsType ?? dots;
  const asked = finderDrawing(ring, centre, dots, "relaxed");
  const universal = finderDrawing(ring, centre, dots, "universal");
  const failing = new Set<DecoderFamily>();
  // Every ring but the square one failed quirc at version 40; the round, extra-rounded and dotted
  // ones failed jsQR too, and the round one every family at some version.
  if (asked.ring !== universal.ring) {
    failing.add("quirc");
    if (ring === "dot" || ring === "extra-rounded" || ring === "dots") failing.add("jsqr");
    if (ring === "dot") (["zxing", "zbar"] as const).forEach((f) => failing.add(f));
  }
  // A round centre in a square ring is off along the diagonals for jsQR; nine loose dots are no centre for ZXing, jsQR or ZBar.
  if (asked.centre !== universal.centre) {
    failing.add("jsqr");
    if (centre === "dots") (["zxing", "zbar"] as const).forEach((f) => failing.add(f));
  }
  // Alignment patterns of loose dots: jsQR misses them from version 2.
  if (dots === "dots") failing.add("jsqr");
  if (failing.size === 0) return { guarantee: "universal", mayFail: [] };
  return { guarantee: "relaxed", mayFail: DECODER_FAMILIES.filter((f) => failing.has(f)) };
}

/** The download's `X-Scannability` header: `universal`, or `relaxed; may fail: quirc, jsqr`. */
export function scannabilityHeader(a: Appearance): string {
  const s = scannabilityOf(a);
  return s.guarantee === "universal" ? "universal" : `relaxed; may fail: ${s.mayFail.join(", ")}`;
}
