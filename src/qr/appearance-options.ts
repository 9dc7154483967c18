import type { Appearance } from "./appearance";

/**
 * What an appearance can say, without the schema that checks it (appearance.ts, which loads zod):
 * the option lists and the paints drawn from a checked appearance. The SVG path imports only this.
 */

export const DOT_TYPES = ["rounded", "dots", "classy", "classy-rounded", "square", "extra-rounded"] as const;
export const CORNER_SQUARE_TYPES = ["dot", "square", "extra-rounded", "rounded", "dots", "classy", "classy-rounded"] as const;
export const CORNER_DOT_TYPES = ["dot", "square", "rounded", "dots", "classy", "classy-rounded", "extra-rounded"] as const;
export const GRADIENT_TYPES = ["linear", "radial"] as const;
export const SCANNABILITY = ["universal", "relaxed"] as const;
/** Frames with a call to action (src/qr/frame.ts draws them). */
export const FRAME_STYLES = ["none", "banner-bottom", "banner-top", "rounded", "caption", "bubble"] as const;
/** Most characters a frame's caption may have (fewer fit in the wider scripts; the layout says how many). */
export const MAX_FRAME_TEXT_LENGTH = 40;
export type DotType = (typeof DOT_TYPES)[number];
export type CornerSquareType = (typeof CORNER_SQUARE_TYPES)[number];
export type CornerDotType = (typeof CORNER_DOT_TYPES)[number];
export type GradientType = (typeof GRADIENT_TYPES)[number];
export type Scannability = (typeof SCANNABILITY)[number];
export type FrameStyle = (typeof FRAME_STYLES)[number];

export interface Gradient {
  type: GradientType;
  rotation: number;
  colorStops: { offset: number; color: string }[];
}

/** A layer's paint: a solid colour or a gradient (whose geometry depends on where it is drawn). */
export type Paint = { color: string; gradient: null } | { color: null; gradient: Gradient };

type Layer = "dotsOptions" | "backgroundOptions" | "cornersSquareOptions" | "cornersDotOptions";

/** Red, green and blue of a colour the schema accepted (#rrggbb). */
export function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The layer's own paint, or null when it has none (corners then share the dots' paint). */
export function layerPaint(a: Appearance, layer: Layer): Paint | null {
  const type = a[`${layer}GradientType`];
  const stops = a[`${layer}GradientColorStops`];
  if (type && stops) return { color: null, gradient: { type, rotation: a[`${layer}GradientRotation`] ?? 0, colorStops: stops } };
  const color = a[`${layer}Color`];
  return color ? { color, gradient: null } : null;
}
