import type { Appearance } from "./appearance";
import { hexToRgb, layerPaint, type Paint } from "./appearance-options";

/**
 * Scanners binarise the image: modules must be clearly darker than the background. Light-on-dark
 * codes read on some phones and fail on many others, so they are refused rather than emitted.
 */
export const MIN_CONTRAST_RATIO = 2.5;

/**
 * The same contrast, when the background is a gradient. A solid background reads at 2.5:1 in every
 * decoder family we test, but a gradient also moves the light modules' level across the code, and
 * quirc (whose threshold follows a moving average along each row) loses the darker end: measured
 * with black modules (bench/scannability.ts), a linear gradient from white to #4b5563 (2.78:1 at its
 * dark end, which the solid-colour bound passed) read in quirc 2 times in 10, one to #5b6472 (3.51:1)
 * 10 in 10, and solid #4b5563 10 in 10 as well.
 */
export const MIN_GRADIENT_BACKGROUND_CONTRAST_RATIO = 3.5;

/**
 * Largest contrast between the stops of a gradient on the finder centres (the 3x3 corner dots).
 * Scanners threshold locally, so inside a dark finder the lighter part of a steep gradient reads
 * as light and the 1:1:3:1:1 pattern is lost. Measured with ZXing and jsQR over 16 renders each
 * (200 to 1000 px, square and rounded dots), black to grey stops: radial gradients failed from
 * 1.7:1 (and 14 of 16 at 4.7:1), linear ones only from 5.9:1; corner squares never failed.
 */
const FINDER_CENTRE_SPREAD = { radial: 1.5, linear: 3 } as const;

function channel(c: number): number {
  const s = c / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance of a #rrggbb colour. */
export function luminance(hex: string): number {
  const [red, green, blue] = hexToRgb(hex);
  return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue);
}

const colorsOf = (paint: Paint): string[] => (paint.gradient ? paint.gradient.colorStops.map((s) => s.color) : [paint.color]);

export function contrastProblem(a: Appearance): { field: string; message: string } | null {
  const backgroundPaint = layerPaint(a, "backgroundOptions")!;
  const background = colorsOf(backgroundPaint);
  const darkestBackground = Math.min(...background.map(luminance));
  const minimum = backgroundPaint.gradient ? MIN_GRADIENT_BACKGROUND_CONTRAST_RATIO : MIN_CONTRAST_RATIO;
  const foregrounds: [string, Paint | null][] = [
    ["dotsOptions", layerPaint(a, "dotsOptions")],
    ["cornersSquareOptions", layerPaint(a, "cornersSquareOptions")],
    ["cornersDotOptions", layerPaint(a, "cornersDotOptions")],
  ];
  for (const [layer, paint] of foregrounds) {
    if (!paint) continue;
    const lightestForeground = Math.max(...colorsOf(paint).map(luminance));
    const ratio = (darkestBackground + 0.05) / (lightestForeground + 0.05);
    if (ratio < minimum) {
      const field = paint.gradient ? `${layer}GradientColorStops` : `${layer}Color`;
      return {
        field,
        message: `${field} is too close to the background (contrast ${ratio.toFixed(2)}:1, at least ${minimum}:1 with modules darker than the ${backgroundPaint.gradient ? "darkest stop of a background gradient" : "background"} is needed to scan)`,
      };
    }
  }
  const centre = layerPaint(a, "cornersDotOptions");
  if (centre?.gradient) {
    const stops = centre.gradient.colorStops.map((stop) => luminance(stop.color));
    const spread = (Math.max(...stops) + 0.05) / (Math.min(...stops) + 0.05);
    const limit = FINDER_CENTRE_SPREAD[centre.gradient.type];
    if (spread > limit)
      return {
        field: "cornersDotOptionsGradientColorStops",
        message: `cornersDotOptionsGradientColorStops span a ${spread.toFixed(2)}:1 contrast; a ${centre.gradient.type} gradient on the finder centres may span at most ${limit}:1, or scanners read the lighter part as a hole in the finder`,
      };
  }
  return null;
}
