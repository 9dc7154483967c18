import type { Appearance } from "./appearance";
import { finderDrawing } from "./shapes";

/** The decoder families the test suite reads every image with (test/support/decode.ts). */
export const DECODER_FAMILIES = ["zxing", "jsqr", "zbar", "quirc"] as const;
export type DecoderFamily = (typeof DECODER_FAMILIES)[number];

/**
 * Which guarantee an image drawn with this appearance carries. "universal" designs are drawn so
 * that every family reads them, with a quiet zone of UNIVERSAL_QUIET_ZONE modules. "relaxed" ones
 * are drawn exactly as asked, margin included; `mayFail` lists the families measured to fail on
 * the shapes asked for (bench/scannability.ts, versions 1-40), empty when "universal" would have
 * drawn the same shapes (the quiet zone is then the only difference).
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
  // Alignment patterns of loose dots or whole-module corners: jsQR misses some from version 2.
  if (dots === "dots" || dots === "classy-rounded" || dots === "extra-rounded") failing.add("jsqr");
  return { guarantee: "relaxed", mayFail: DECODER_FAMILIES.filter((f) => failing.has(f)) };
}

/** The download's `X-Scannability` header: `universal`, `relaxed`, or `relaxed; may fail: jsqr, quirc`. */
export function scannabilityHeader(a: Appearance): string {
  const s = scannabilityOf(a);
  return s.mayFail.length === 0 ? s.guarantee : `relaxed; may fail: ${s.mayFail.join(", ")}`;
}
