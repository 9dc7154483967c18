import { QrError } from "../errors";
import { FRAME_FONT_CODE_POINTS } from "./frame-font-coverage";

/**
 * A frame's caption as outlines: the shipped font's glyphs, shaped and ordered, turned into path
 * data, so the SVG needs no font on the reader's machine and the PNG draws the same shapes.
 *
 * resvg (already in the bundle) does the typesetting (fonts/layout.ts). A caption is laid out
 * once at REFERENCE_SIZE and scaled after (outlines are unhinted, so they scale exactly).
 *
 * The layout is reached through captionOutline here and loaded by prepareFrame (frame.ts): it
 * brings resvg and the 140 KB font, which the browser's bundle fetches only for a framed design.
 */

/** Font size (pixels) captions are laid out at; any other size is a scale of it. */
export const REFERENCE_SIZE = 100;

/** Cap height of DejaVu Sans Bold (1493 of 2048 units per em): where a caption's baseline goes. */
export const CAP_HEIGHT_EM = 1493 / 2048;

export interface Outline {
  /** path commands, one letter each (M, L, Q, C, Z), in order */
  ops: string;
  /** their coordinates, in pixels at REFERENCE_SIZE, baseline at y = 0 and the pen starting at x = 0 */
  coords: Float64Array;
  /** ink bounds at REFERENCE_SIZE */
  ink: { x: number; y: number; width: number; height: number };
}

/**
 * Characters that draw nothing but steer layout: joiners and bidi marks and isolates. The font
 * need not map them; rustybuzz and the bidi algorithm read them.
 */
const LAYOUT_CONTROLS = /[\u200c-\u200f\u202a-\u202e\u2066-\u2069]/u;

function mapped(codePoint: number): boolean {
  let low = 0;
  let high = FRAME_FONT_CODE_POINTS.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const [first, last] = FRAME_FONT_CODE_POINTS[mid]!;
    if (codePoint < first) high = mid - 1;
    else if (codePoint > last) low = mid + 1;
    else return true;
  }
  return false;
}

/** The distinct characters of `text` the shipped font has no glyph for, in order of appearance. */
export function unsupportedCharacters(text: string): string[] {
  const missing = new Set<string>();
  for (const ch of text) if (!LAYOUT_CONTROLS.test(ch) && !mapped(ch.codePointAt(0)!)) missing.add(ch);
  return [...missing];
}

/** `U+1F600 "😀"`: how a refused character is named, readable even where it does not display. */
export function describeCharacter(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")} ${JSON.stringify(ch)}`;
}

const RTL_LETTER = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/u;

/**
 * The paragraph direction the Unicode bidi algorithm gives `text` (rules P2 and P3): that of its
 * first letter, Hebrew and Arabic ones being right-to-left.
 */
export function paragraphDirection(text: string): "ltr" | "rtl" {
  for (const ch of text) if (/\p{L}/u.test(ch)) return RTL_LETTER.test(ch) ? "rtl" : "ltr";
  return "ltr";
}

/** Lays a caption out as outlines at REFERENCE_SIZE: fonts/layout.ts's, once prepareFrame has loaded it. */
export type CaptionLayout = (text: string) => Outline;

let layout: CaptionLayout | null = null;

/** Called by prepareFrame once resvg is started and the layout module loaded. */
export function useCaptionLayout(layOut: CaptionLayout): void {
  layout = layOut;
}

/** `text` as outlines at REFERENCE_SIZE; resvg's WebAssembly and the layout must have been prepared. */
export function captionOutline(text: string): Outline {
  if (!layout)
    throw new QrError("RASTER_UNAVAILABLE", "Frame captions are laid out by resvg, which was not started: await prepareFrame(appearance) before planning a framed code");
  return layout(text);
}

const COORDS_PER_OP: Record<string, number> = { M: 2, L: 2, Q: 4, C: 6, Z: 0 };

/** What outlines are drawn into (the scene's PathData has these and more). */
export interface LineSink {
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  close(): void;
}

/**
 * Largest distance, in canvas pixels, between a glyph's curve and the chords drawn for it: far
 * below what anti-aliasing shows. Curves become chords because the scene's paths (and the
 * rasterizer's edges) are lines and circular arcs.
 */
export const CURVE_TOLERANCE = 0.05;

/**
 * Draws an outline scaled by `scale` with its origin at (x, y): quadratic and cubic segments as
 * chords, as many as keep within CURVE_TOLERANCE (the classic bound: n uniform chords of a
 * quadratic whose control polygon has second difference D stray at most |D| / (8 n^2) from it; a
 * cubic's bound takes 3/4 of its larger second difference instead of 1/8 of D).
 */
export function drawOutline(sink: LineSink, outline: Outline, x: number, y: number, scale: number): void {
  const c = outline.coords;
  let at = 0;
  let px = 0;
  let py = 0;
  const X = (i: number) => x + c[i]! * scale;
  const Y = (i: number) => y + c[i]! * scale;
  for (const op of outline.ops) {
    if (op === "M" || op === "L") {
      px = X(at);
      py = Y(at + 1);
      if (op === "M") sink.moveTo(px, py);
      else sink.lineTo(px, py);
    } else if (op === "Q") {
      const [x1, y1, x2, y2] = [X(at), Y(at + 1), X(at + 2), Y(at + 3)];
      const n = Math.max(1, Math.ceil(Math.sqrt(Math.hypot(px - 2 * x1 + x2, py - 2 * y1 + y2) / (8 * CURVE_TOLERANCE))));
      for (let i = 1; i <= n; i++) {
        const t = i / n;
        const u = 1 - t;
        sink.lineTo(u * u * px + 2 * u * t * x1 + t * t * x2, u * u * py + 2 * u * t * y1 + t * t * y2);
      }
      px = x2;
      py = y2;
    } else if (op === "C") {
      const [x1, y1, x2, y2, x3, y3] = [X(at), Y(at + 1), X(at + 2), Y(at + 3), X(at + 4), Y(at + 5)];
      const d = Math.max(Math.hypot(px - 2 * x1 + x2, py - 2 * y1 + y2), Math.hypot(x1 - 2 * x2 + x3, y1 - 2 * y2 + y3));
      const n = Math.max(1, Math.ceil(Math.sqrt((0.75 * d) / CURVE_TOLERANCE)));
      for (let i = 1; i <= n; i++) {
        const t = i / n;
        const u = 1 - t;
        sink.lineTo(
          u * u * u * px + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x3,
          u * u * u * py + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y3,
        );
      }
      px = x3;
      py = y3;
    } else sink.close();
    at += COORDS_PER_OP[op]!;
  }
}
