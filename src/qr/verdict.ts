import type { Appearance } from "./appearance";
import type { EccLevel } from "./encode";
import type { QrError, QrErrorCode } from "./errors";
import type { RenderPlan } from "./plan";
import { DECODER_FAMILIES, type DecoderFamily, scannabilityOf } from "./scannability";

/**
 * The engine's verdict on a design, in words a person reads beside a live preview. The engine's
 * own messages are written for API clients (they name fields such as imageOptionsImageSize, as a
 * violation does); here the same facts name what a designer sees ("the logo", "the dots' colour")
 * and say what to change. The API message is kept beside the words, for a field-level display.
 */

/** The appearance's fields as a designer names them (qr-code-styling's groups: dots, corners, background, image, QR options, frame). */
const FIELD_WORDS: Record<string, string> = {
  content: "the content",
  size: "the image size",
  margin: "the margin",
  uploadedImage: "the logo",
  predefinedImage: "the icon",
  imageOptionsImageSize: "the logo's size",
  imageOptionsMargin: "the logo's margin",
  qrOptionsTypeNumber: "the QR version",
  qrOptionsMode: "the encoding mode",
  qrOptionsErrorCorrectionLevel: "the error correction level",
  dotsOptionsColor: "the dots' colour",
  dotsOptionsGradientColorStops: "the dots' gradient",
  backgroundOptionsColor: "the background colour",
  backgroundOptionsGradientColorStops: "the background gradient",
  cornersSquareOptionsColor: "the corner squares' colour",
  cornersSquareOptionsGradientColorStops: "the corner squares' gradient",
  cornersDotOptionsColor: "the corner dots' colour",
  cornersDotOptionsGradientColorStops: "the corner dots' gradient",
  frameText: "the frame's text",
  frameColor: "the frame's colour",
  frameTextColor: "the frame text's colour",
};

const FAMILY_NAMES: Record<DecoderFamily, string> = { zxing: "ZXing", jsqr: "jsQR", zbar: "ZBar", quirc: "quirc" };

/** A design the engine refuses: the API's message and field, and the same in words. */
export interface DesignProblem {
  code: QrErrorCode;
  /** the appearance field at fault (as the API's violation names it, without "appearance."), or "size" / "content" */
  field: string | null;
  /** what the API answers for it (a violation's message) */
  message: string;
  /** the same for a person, with what to change */
  words: string;
}

export interface ScannabilityInWords {
  guarantee: "universal" | "relaxed";
  /** decoder families measured to fail on the shapes asked for (empty under "universal") */
  mayFail: DecoderFamily[];
  words: string;
}

const capitalized = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Replaces field names in an engine message by what a designer calls them. */
function fieldsInWords(message: string): string {
  return message.replace(/\b[a-z][A-Za-z]+\b/g, (word) => FIELD_WORDS[word] ?? word);
}

const HIGHER_LEVEL: Record<EccLevel, EccLevel | null> = { L: "M", M: "Q", Q: "H", H: null };

/**
 * A refused design in words. `level` is the design's error correction level (the logo advice
 * depends on it); `size` the image size asked for.
 */
export function problemInWords(err: QrError, design: { level: EccLevel; size: number }): DesignProblem {
  const field = err.field ?? null;
  const base = { code: err.code, field, message: err.message };
  switch (err.code) {
    case "IMAGE_TOO_LARGE": {
      const fits = /imageOptionsImageSize (0\.\d+|1) fits/.exec(err.message);
      const smaller = fits ? `shrink it to ${Math.round(Number(fits[1]) * 100)}% or less` : "shrink it";
      if (err.message.includes("alignment pattern at its centre"))
        return { ...base, words: "The logo would cover the alignment pattern at the centre of this QR version: set the version to automatic (or 1-6, 14-20, 28-34), shorten the content, or remove the logo" };
      // The level the engine last tried: a download raises the design's level for a logo on its own, up to H.
      const tried = (/error correction ([LMQH])/.exec(err.message)?.[1] as EccLevel | undefined) ?? design.level;
      const up = HIGHER_LEVEL[tried];
      if (up) return { ...base, words: `The logo is too large for level ${tried}: raise to ${up === "H" ? "H" : `${up} or H`} or ${smaller}` };
      return { ...base, words: `The logo is too large even at level H${design.level === "H" ? "" : ` (raised from ${design.level})`}: ${smaller}` };
    }
    case "CANVAS_TOO_SMALL":
      return {
        ...base,
        words:
          err.minimumSize !== undefined
            ? `${design.size} px is too small for this code: choose at least ${err.minimumSize} px, shorten the content or lower the margin`
            : `This code cannot be drawn readably at ${design.size} px: shorten the content, lower the margin or choose a larger size`,
      };
    case "CAPACITY_EXCEEDED":
      return { ...base, words: `The content is too long for a QR code at level ${design.level}: shorten it or lower the error correction level` };
    case "VERSION_TOO_SMALL":
      return { ...base, words: `The content does not fit the chosen QR version: choose a larger version or automatic` };
    case "RASTER_UNAVAILABLE":
      return { ...base, words: `The frame's text could not be laid out: the text engine (resvg's WebAssembly) did not load` };
    default:
      return { ...base, words: capitalized(fieldsInWords(err.message)) };
  }
}

/** The scannability guarantee of a design, in words: which decoders read it, and what to change when some may not. */
export function scannabilityInWords(a: Appearance): ScannabilityInWords {
  const verdict = scannabilityOf(a);
  const all = DECODER_FAMILIES.map((f) => FAMILY_NAMES[f]).join(", ");
  if (verdict.guarantee === "universal") return { ...verdict, words: `Reads in every decoder we test (${all})` };
  if (verdict.mayFail.length === 0)
    return { ...verdict, words: `Drawn exactly as designed, margin included; the shapes read in every decoder we test (${all})` };
  const failing = verdict.mayFail.map((f) => FAMILY_NAMES[f]).join(", ");
  return { ...verdict, words: `Drawn exactly as designed: may not read in ${failing}; choose "universal" scannability to draw shapes every decoder reads` };
}

/** What the plan changed on its own to draw the design, in words (empty when nothing). */
export function adjustmentsInWords(plan: RenderPlan, asked: EccLevel): string[] {
  const used = plan.matrix.errorCorrectionLevel;
  if (used === asked) return [];
  const order = "LMQH";
  return order.indexOf(used) > order.indexOf(asked)
    ? [`Error correction raised from ${asked} to ${used} to keep the logo readable`]
    : [`Error correction lowered from ${asked} to ${used} to fit ${plan.size} px`];
}
