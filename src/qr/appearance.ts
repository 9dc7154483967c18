import { z } from "zod";
import { ECC_LEVELS, ENCODING_MODES } from "./encode";

export const DOT_TYPES = ["rounded", "dots", "classy", "classy-rounded", "square", "extra-rounded"] as const;
export const CORNER_SQUARE_TYPES = ["dot", "square", "extra-rounded", "rounded", "dots", "classy", "classy-rounded"] as const;
export const CORNER_DOT_TYPES = ["dot", "square", "rounded", "dots", "classy", "classy-rounded", "extra-rounded"] as const;
export const GRADIENT_TYPES = ["linear", "radial"] as const;
export const SCANNABILITY = ["universal", "relaxed"] as const;
export type DotType = (typeof DOT_TYPES)[number];
export type CornerSquareType = (typeof CORNER_SQUARE_TYPES)[number];
export type CornerDotType = (typeof CORNER_DOT_TYPES)[number];
export type GradientType = (typeof GRADIENT_TYPES)[number];
export type Scannability = (typeof SCANNABILITY)[number];

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
const hexColor = () => z.string().regex(HEX_COLOR, "must be a 6-character hex colour such as #123abc");
const rotation = () => z.number().finite().min(-1000).max(1000).nullable().default(null);
const colorStops = () =>
  z
    .array(z.object({ offset: z.number().min(0).max(1), color: hexColor() }))
    .min(2, "a gradient needs at least 2 colour stops")
    .max(16, "a gradient takes at most 16 colour stops")
    .nullable()
    .default(null);
const gradientType = () => z.enum(GRADIENT_TYPES).nullable().default(null);

/**
 * The contract's `appearance` object with its documented defaults. Field names mirror the
 * qr-code-styling options they control (`dotsOptionsType` is `dotsOptions.type`, and so on).
 */
export const AppearanceSchema = z
  .object({
    shape: z.enum(["square", "circle"]).default("square"),
    predefinedImage: z.string().trim().min(1).max(2048).nullable().default(null),
    uploadedImage: z.string().trim().min(1).max(2048).nullable().default(null),
    margin: z.number().int().min(0).default(10),
    qrOptionsTypeNumber: z.number().int().min(0).max(40).default(0),
    qrOptionsMode: z.enum(ENCODING_MODES).nullable().default(null),
    qrOptionsErrorCorrectionLevel: z.enum(ECC_LEVELS).default("Q"),
    imageOptionsHideBackgroundDots: z.boolean().default(true),
    imageOptionsImageSize: z.number().min(0).max(1).default(0.4),
    imageOptionsMargin: z.number().int().min(0).default(0),
    dotsOptionsColor: hexColor().default("#000000"),
    dotsOptionsType: z.enum(DOT_TYPES).default("square"),
    dotsOptionsRoundSize: z.boolean().default(true),
    dotsOptionsGradientType: gradientType(),
    dotsOptionsGradientRotation: rotation(),
    dotsOptionsGradientColorStops: colorStops(),
    backgroundOptionsColor: hexColor().default("#ffffff"),
    backgroundOptionsGradientType: gradientType(),
    backgroundOptionsGradientRotation: rotation(),
    backgroundOptionsGradientColorStops: colorStops(),
    cornersSquareOptionsColor: hexColor().nullable().default(null),
    cornersSquareOptionsType: z.enum(CORNER_SQUARE_TYPES).nullable().default(null),
    cornersSquareOptionsGradientType: gradientType(),
    cornersSquareOptionsGradientRotation: rotation(),
    cornersSquareOptionsGradientColorStops: colorStops(),
    cornersDotOptionsColor: hexColor().nullable().default(null),
    cornersDotOptionsType: z.enum(CORNER_DOT_TYPES).nullable().default(null),
    cornersDotOptionsGradientType: gradientType(),
    cornersDotOptionsGradientRotation: rotation(),
    cornersDotOptionsGradientColorStops: colorStops(),
    /**
     * "universal": drawn so that every decoder family we test reads it (a shape one family cannot
     * read becomes the nearest one all read). "relaxed": drawn exactly as asked; some may fail.
     */
    scannability: z.enum(SCANNABILITY).default("universal"),
  })
  .superRefine((a, ctx) => {
    // A gradient type without stops (or stops without a type) cannot be drawn as asked.
    for (const layer of ["dotsOptions", "backgroundOptions", "cornersSquareOptions", "cornersDotOptions"] as const) {
      const type = a[`${layer}GradientType`];
      const stops = a[`${layer}GradientColorStops`];
      if (type && !stops) ctx.addIssue({ code: "custom", path: [`${layer}GradientColorStops`], message: "is required when a gradient type is set" });
      if (stops && !type) ctx.addIssue({ code: "custom", path: [`${layer}GradientType`], message: "is required when gradient colour stops are set" });
    }
  });

export type Appearance = z.output<typeof AppearanceSchema>;
export type AppearanceInput = z.input<typeof AppearanceSchema>;

export const DEFAULT_APPEARANCE: Appearance = AppearanceSchema.parse({});

export interface Gradient {
  type: GradientType;
  rotation: number;
  colorStops: { offset: number; color: string }[];
}

/** A layer's paint: a solid colour or a gradient (whose geometry depends on where it is drawn). */
export type Paint = { color: string; gradient: null } | { color: null; gradient: Gradient };

type Layer = "dotsOptions" | "backgroundOptions" | "cornersSquareOptions" | "cornersDotOptions";

/** The layer's own paint, or null when it has none (corners then share the dots' paint). */
/** Red, green and blue of a colour the schema accepted (#rrggbb). */
export function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function layerPaint(a: Appearance, layer: Layer): Paint | null {
  const type = a[`${layer}GradientType`];
  const stops = a[`${layer}GradientColorStops`];
  if (type && stops) return { color: null, gradient: { type, rotation: a[`${layer}GradientRotation`] ?? 0, colorStops: stops } };
  const color = a[`${layer}Color`];
  return color ? { color, gradient: null } : null;
}
