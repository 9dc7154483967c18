import { z } from "zod";
import { CORNER_DOT_TYPES, CORNER_SQUARE_TYPES, DOT_TYPES, FRAME_STYLES, GRADIENT_TYPES, MAX_FRAME_TEXT_LENGTH, SCANNABILITY } from "./appearance-options";
import { ECC_LEVELS, ENCODING_MODES } from "./encode";

// The option lists and paints need no zod: they live apart so the SVG path (and the browser's
// bundle, src/qr/browser.ts) can use them without loading the schema.
export {
  CORNER_DOT_TYPES,
  CORNER_SQUARE_TYPES,
  DOT_TYPES,
  FRAME_STYLES,
  GRADIENT_TYPES,
  hexToRgb,
  layerPaint,
  MAX_FRAME_TEXT_LENGTH,
  SCANNABILITY,
  type CornerDotType,
  type CornerSquareType,
  type DotType,
  type FrameStyle,
  type Gradient,
  type GradientType,
  type Paint,
  type Scannability,
} from "./appearance-options";

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
    frameStyle: z
      .enum(FRAME_STYLES)
      .default("none")
      .describe(
        "A frame around the code with a call to action (frameText): banner-bottom and banner-top put the text in a solid band below or above the code, rounded is banner-bottom with rounded corners, caption draws a thin border with the text below it on the background, bubble a rounded border with the text in a speech bubble. The frame takes its room inside the image's size; the code keeps its quiet zone inside the frame.",
      ),
    frameText: z
      .string()
      .trim()
      .min(1)
      .max(MAX_FRAME_TEXT_LENGTH)
      .regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, "must be a single line of text, without control characters")
      .nullable()
      .default(null)
      .describe(
        "The frame's text (\"SCAN ME\", \"Menu\"), drawn as outlines from the font the server ships (DejaVu Sans Bold: Latin, Greek, Cyrillic, Hebrew and Arabic, right-to-left text ordered and Arabic letters joined). Required with a frameStyle; text wider than the frame leaves, or with characters the font lacks, is refused, never cut.",
      ),
    frameColor: hexColor().default("#000000").describe("Colour of the frame's border and bands."),
    frameTextColor: hexColor()
      .nullable()
      .default(null)
      .describe("Colour of the frame's text; by default white on a dark frame, black on a light one, and frameColor for the caption style. It needs 3:1 contrast with what it is drawn on."),
  })
  .superRefine((a, ctx) => {
    // A gradient type without stops (or stops without a type) cannot be drawn as asked.
    for (const layer of ["dotsOptions", "backgroundOptions", "cornersSquareOptions", "cornersDotOptions"] as const) {
      const type = a[`${layer}GradientType`];
      const stops = a[`${layer}GradientColorStops`];
      if (type && !stops) ctx.addIssue({ code: "custom", path: [`${layer}GradientColorStops`], message: "is required when a gradient type is set" });
      if (stops && !type) ctx.addIssue({ code: "custom", path: [`${layer}GradientType`], message: "is required when gradient colour stops are set" });
    }
    if (a.frameStyle !== "none" && a.frameText === null) ctx.addIssue({ code: "custom", path: ["frameText"], message: "is required when frameStyle is set" });
    if (a.frameStyle === "none" && a.frameText !== null) ctx.addIssue({ code: "custom", path: ["frameStyle"], message: "is required when frameText is set" });
  });

export type Appearance = z.output<typeof AppearanceSchema>;
export type AppearanceInput = z.input<typeof AppearanceSchema>;

export const DEFAULT_APPEARANCE: Appearance = AppearanceSchema.parse({});
