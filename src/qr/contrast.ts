import { type Appearance, layerPaint, type Paint } from "./appearance";

/**
 * Scanners binarise the image: modules must be clearly darker than the background. Light-on-dark
 * codes read on some phones and fail on many others, so they are refused rather than emitted.
 */
export const MIN_CONTRAST_RATIO = 2.5;

function channel(c: number): number {
  const s = c / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance of a #rrggbb colour. */
export function luminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
}

const colorsOf = (paint: Paint): string[] => (paint.gradient ? paint.gradient.colorStops.map((s) => s.color) : [paint.color]);

export function contrastProblem(a: Appearance): { field: string; message: string } | null {
  const background = colorsOf(layerPaint(a, "backgroundOptions")!);
  const darkestBackground = Math.min(...background.map(luminance));
  const foregrounds: [string, Paint | null][] = [
    ["dotsOptions", layerPaint(a, "dotsOptions")],
    ["cornersSquareOptions", layerPaint(a, "cornersSquareOptions")],
    ["cornersDotOptions", layerPaint(a, "cornersDotOptions")],
  ];
  for (const [layer, paint] of foregrounds) {
    if (!paint) continue;
    const lightestForeground = Math.max(...colorsOf(paint).map(luminance));
    const ratio = (darkestBackground + 0.05) / (lightestForeground + 0.05);
    if (ratio < MIN_CONTRAST_RATIO) {
      const field = paint.gradient ? `${layer}GradientColorStops` : `${layer}Color`;
      return {
        field,
        message: `${field} is too close to the background (contrast ${ratio.toFixed(2)}:1, at least ${MIN_CONTRAST_RATIO}:1 with modules darker than the background is needed to scan)`,
      };
    }
  }
  return null;
}
