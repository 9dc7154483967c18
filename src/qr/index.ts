/**
 * The QR engine's front door: what the rest of the code base uses of src/qr. Content goes in
 * (payloads, appearance), a plan comes out (planRender, planFitting), and renderers draw it as SVG
 * or PNG; nothing here knows about HTTP, storage or the Worker's bindings.
 *
 * Everything else in src/qr (the encoder's tables and masks, deflate, the PNG writer, shapes,
 * geometry, the SVG writer and the strip rasterizer's parts) is internal: unit tests of those
 * parts, and the bench, import the module they test directly.
 *
 * What importing this file loads: every module below. In the Worker that is nothing new, since the
 * bundle holds them all and src/index.ts configures the rasterizer at startup. Under Node it is
 * zod (through appearance; about 150-200 ms to load) and @resvg/resvg-wasm's JS glue (17 KB,
 * about 10 ms); the 2.4 MB .wasm is read and compiled on the first styled PNG, never at import
 * (configureRaster takes a function). So unit tests that load only a leaf module (payloads,
 * icons, mask) keep importing it directly instead of paying for the whole engine.
 *
 * The browser has its own door, browser.ts (the console designer's preview): the SVG path only,
 * without zod, the PNG writer or resvg at load, drawing what the download draws.
 */
export {
  AppearanceSchema,
  CORNER_DOT_TYPES,
  CORNER_SQUARE_TYPES,
  DEFAULT_APPEARANCE,
  DOT_TYPES,
  FRAME_STYLES,
  MAX_FRAME_TEXT_LENGTH,
  SCANNABILITY,
  type Appearance,
  type AppearanceInput,
} from "./appearance";
export { bytesToBase64 } from "./base64";
export { luminance } from "./contrast";
export { ECC_LEVELS, encodeQr, type EccLevel, type QrMatrix } from "./encode";
export { QrError, type QrErrorCode } from "./errors";
export { downloadLevels, planFitting } from "./fit";
export { prepareFrame } from "./frame";
export { BUILTIN_ICON_KEYS, BUILTIN_ICONS, isBuiltinIcon } from "./icons";
export { MAX_LOGO_BYTES, MAX_LOGO_PIXELS, MAX_LOGO_SIDE, sniffRasterImage, type CenterImage, type RasterImage } from "./image";
export { normalizeLogo } from "./logo-scale";
export {
  emailPayload,
  geoPayload,
  PayloadError,
  smsPayload,
  telPayload,
  vcardPayload,
  wifiPayload,
  type EmailInput,
  type GeoInput,
  type SmsInput,
  type VCardInput,
  type WifiInput,
} from "./payloads";
export { MAX_CANVAS, MIN_CANVAS, MIN_MODULE_PX, planRender, type PlanRequest, type RenderPlan } from "./plan";
export { configureRaster } from "./raster";
export { DECODER_FAMILIES, scannabilityHeader, scannabilityOf, type DecoderFamily, type ScannabilityVerdict } from "./scannability";
export { renderPlanPng, renderPlanSvg, renderQrPng, renderQrSvg, type RenderedImage } from "./render";
