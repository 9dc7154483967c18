import type { Appearance } from "./appearance";
import type { EccLevel } from "./encode";
import { QrError } from "./errors";
import { downloadLevels, planFitting } from "./fit";
import { prepareFrame } from "./frame";
import { type CenterImage, sniffRasterImage } from "./image";
import type { RenderPlan } from "./plan";
import { renderPlanSvg } from "./render-svg";
import { adjustmentsInWords, type DesignProblem, problemInWords, type ScannabilityInWords, scannabilityInWords } from "./verdict";

/**
 * The engine in the browser: the console's designer draws its preview with this, and the SVG is
 * byte for byte what `POST /qr_codes/{id}/download {"format":"svg"}` answers for the same code,
 * size and margin (test/browser/engine-in-browser.test.ts holds the two together), with the
 * engine's verdict in words.
 *
 * What this entry reaches is the SVG path only: no zod (the designer passes an appearance the API
 * already checked: a code's `appearance` as GET /qr_codes/{id} answers it, with every field), no
 * PNG writer (node:zlib) and no resvg at load. A frame's caption is laid out by resvg's
 * WebAssembly, so the first framed design imports the layout (resvg's glue and the font, about
 * 100 KB gzip) and starts the WebAssembly from `frameTextWasm`, which the console serves as a
 * static asset; designs without a frame never load either.
 */

export type { Appearance } from "./appearance";
export {
  CORNER_DOT_TYPES,
  CORNER_SQUARE_TYPES,
  DOT_TYPES,
  FRAME_STYLES,
  GRADIENT_TYPES,
  MAX_FRAME_TEXT_LENGTH,
  SCANNABILITY,
} from "./appearance-options";
export { ECC_LEVELS, type EccLevel } from "./encode";
export { BUILTIN_ICON_KEYS } from "./icons";
export type { DesignProblem, ScannabilityInWords } from "./verdict";

/** The download's defaults (src/http/qr-codes/download.ts): the same request gives the same image. */
export const DEFAULT_DOWNLOAD_SIZE = 300;
export const DEFAULT_DOWNLOAD_MARGIN = 10;

/** Where resvg's WebAssembly comes from, as initWasm takes it: the .wasm file's URL, a fetch of it, its bytes or a compiled module. */
export type FrameTextWasm = string | URL | Request | Response | Promise<Response> | ArrayBuffer | Uint8Array | WebAssembly.Module;

/** An uploaded logo's bytes, or a `data:image/png;base64,…` URL of them. */
export type LogoSource = Uint8Array | ArrayBuffer | string;

export interface DesignRequest {
  /**
   * What the code encodes, as the download draws it: the code's `dynamicUrl` for a dynamic code,
   * its payload (the WIFI:…, BEGIN:VCARD… text) for a static one.
   */
  content: string;
  /** the code's appearance, complete (as the API answers it); not checked here */
  appearance: Appearance;
  /** pixels, square; the download's default when absent */
  size?: number;
  /** pixels; overrides appearance.margin, as the download's `margin` does; the download's default when absent */
  margin?: number;
  /**
   * The uploaded logo (appearance.uploadedImage set): the file's bytes as GET /files/{id}/content
   * answers them. Absent or null: the code is drawn without it, as the download draws a code
   * whose upload is gone. A built-in icon (appearance.predefinedImage) needs nothing here.
   */
  logo?: LogoSource | null;
  /** resvg's WebAssembly, needed the first time a design has a frame (its caption is laid out by resvg) */
  frameTextWasm?: FrameTextWasm;
}

export interface DesignPreview {
  /** the SVG document, as the download answers it; null when the design is refused */
  svg: string | null;
  /** why the design cannot be drawn (what the download would answer as a 400), in words; null when it is drawn */
  problem: DesignProblem | null;
  /** which decoders read the design (the download's X-Scannability header), in words */
  scannability: ScannabilityInWords;
  /** what the engine changed on its own to draw it ("Error correction raised from Q to H to keep the logo readable") */
  adjustments: string[];
  /** one line for the designer: the problem when refused, else the scannability and any adjustment */
  summary: string;
  /** what was drawn; null when refused */
  symbol: { version: number; modules: number; errorCorrectionLevel: EccLevel } | null;
}

let frameTextConfigured = false;

/** Starts resvg's WebAssembly from `wasm` once, the first time a framed design is drawn. */
async function prepareFrameText(appearance: Appearance, wasm: FrameTextWasm | undefined): Promise<void> {
  if (appearance.frameStyle === undefined || appearance.frameStyle === "none") return;
  if (!frameTextConfigured && wasm !== undefined) {
    const { configureRaster } = await import("./resvg");
    configureRaster(() => wasm);
    frameTextConfigured = true;
  }
  await prepareFrame(appearance);
}

function logoBytes(source: LogoSource): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  const base64 = /^data:[^,]*;base64,(.*)$/s.exec(source)?.[1];
  if (base64 === undefined) throw new QrError("INVALID_IMAGE", "Logo must be given as bytes or a base64 data: URL", "uploadedImage");
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The centre image as the download loads it (loadLogo): the upload when there is one, else the built-in icon. */
function centreImage(appearance: Appearance, logo: LogoSource | null | undefined): CenterImage | null {
  if (appearance.uploadedImage === null) return appearance.predefinedImage !== null ? { kind: "icon", key: appearance.predefinedImage } : null;
  return logo ? sniffRasterImage(logoBytes(logo)) : null;
}

/**
 * Draws a design as the download does: the same plan (planFitting at the download's levels) and
 * the same SVG writer. A design the engine refuses comes back with `svg: null` and the problem in
 * words; any other failure (a bug) is thrown.
 */
export async function renderDesign(request: DesignRequest): Promise<DesignPreview> {
  const size = request.size ?? DEFAULT_DOWNLOAD_SIZE;
  const appearance: Appearance = { ...request.appearance, margin: request.margin ?? DEFAULT_DOWNLOAD_MARGIN };
  const asked = appearance.qrOptionsErrorCorrectionLevel;
  const scannability = scannabilityInWords(appearance);
  let plan: RenderPlan;
  try {
    await prepareFrameText(appearance, request.frameTextWasm);
    const image = centreImage(appearance, request.logo);
    plan = planFitting({ content: request.content, appearance, size, image }, downloadLevels(asked, image !== null));
  } catch (err) {
    if (!(err instanceof QrError)) throw err;
    const problem = problemInWords(err, { level: asked, size });
    return { svg: null, problem, scannability, adjustments: [], summary: problem.words, symbol: null };
  }
  const adjustments = adjustmentsInWords(plan, asked);
  return {
    svg: renderPlanSvg(plan),
    problem: null,
    scannability,
    adjustments,
    summary: [scannability.words, ...adjustments].join(". "),
    symbol: { version: plan.matrix.version, modules: plan.matrix.size, errorCorrectionLevel: plan.matrix.errorCorrectionLevel },
  };
}
