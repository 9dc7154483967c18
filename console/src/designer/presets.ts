// A few starting points, every one drawn for every decoder ("universal"). A preset restyles the
// design and leaves what is not style alone: the uploaded logo (except "Dots with logo", which
// shows a built-in icon) and the QR options' version and mode.
import type { Appearance } from "./engine";

/** The style fields at the API's defaults (src/qr/appearance.ts): what each preset starts from. */
const PLAIN: Partial<Appearance> = {
  shape: "square",
  predefinedImage: null,
  imageOptionsHideBackgroundDots: true,
  imageOptionsImageSize: 0.4,
  imageOptionsMargin: 0,
  qrOptionsErrorCorrectionLevel: "Q",
  dotsOptionsColor: "#000000",
  dotsOptionsType: "square",
  dotsOptionsRoundSize: true,
  dotsOptionsGradientType: null,
  dotsOptionsGradientRotation: null,
  dotsOptionsGradientColorStops: null,
  backgroundOptionsColor: "#ffffff",
  backgroundOptionsGradientType: null,
  backgroundOptionsGradientRotation: null,
  backgroundOptionsGradientColorStops: null,
  cornersSquareOptionsColor: null,
  cornersSquareOptionsType: null,
  cornersSquareOptionsGradientType: null,
  cornersSquareOptionsGradientRotation: null,
  cornersSquareOptionsGradientColorStops: null,
  cornersDotOptionsColor: null,
  cornersDotOptionsType: null,
  cornersDotOptionsGradientType: null,
  cornersDotOptionsGradientRotation: null,
  cornersDotOptionsGradientColorStops: null,
  scannability: "universal",
  frameStyle: "none",
  frameText: null,
  frameColor: "#000000",
  frameTextColor: null,
};

export interface Preset {
  name: string;
  apply: (current: Appearance) => Appearance;
}

const preset = (name: string, style: Partial<Appearance>): Preset => ({ name, apply: (current) => ({ ...current, ...PLAIN, ...style }) });

export const PRESETS: readonly Preset[] = [
  preset("Classic", {}),
  preset("Rounded blue", { dotsOptionsType: "rounded", dotsOptionsColor: "#1d4ed8", cornersSquareOptionsType: "extra-rounded", cornersSquareOptionsColor: "#1e3a8a", cornersDotOptionsType: "dot", cornersDotOptionsColor: "#1e3a8a" }),
  preset("Dots with logo", { dotsOptionsType: "dots", dotsOptionsColor: "#0f172a", cornersSquareOptionsType: "extra-rounded", cornersDotOptionsType: "dot", predefinedImage: "link", uploadedImage: null, imageOptionsImageSize: 0.3, qrOptionsErrorCorrectionLevel: "H" }),
  preset("Framed “SCAN ME”", { dotsOptionsType: "classy-rounded", dotsOptionsColor: "#111827", frameStyle: "banner-bottom", frameText: "SCAN ME", frameColor: "#111827" }),
];
