import { type Appearance, layerPaint, type Paint } from "./appearance";
import { codewordMap, damagePerBlock } from "./codewords";
import { contrastProblem } from "./contrast";
import { type EccLevel, ECC_LEVELS, encodeQr, type QrMatrix } from "./encode";
import { QrError } from "./errors";
import type { CenterImage } from "./image";

/** Everything a renderer needs: the matrix, where each module lands, and what is drawn over it. */
export interface RenderPlan {
  matrix: QrMatrix;
  appearance: Appearance;
  /** canvas width and height in pixels */
  size: number;
  /** canvas margin in pixels actually used (appearance.margin, or derived from a quiet zone) */
  margin: number;
  /** module edge in pixels (an integer when dotsOptionsRoundSize is true) */
  dotSize: number;
  /** top-left of module (0, 0) */
  x0: number;
  y0: number;
  /** modules hidden behind the centre image, as a centred rectangle in module units */
  hidden: { cols: number; rows: number };
  /** where the centre image is drawn, in pixels; null when there is none */
  imageBox: { x: number; y: number; width: number; height: number } | null;
  image: CenterImage | null;
  paints: { dots: Paint; background: Paint; cornersSquare: Paint | null; cornersDot: Paint | null };
}

export interface PlanRequest {
  content: string;
  appearance: Appearance;
  size: number;
  image?: CenterImage | null;
  /** true when the caller chose the error-correction level; otherwise it may be raised for a logo */
  errorCorrectionFixed?: boolean;
  /**
   * Quiet zone in modules instead of appearance.margin in pixels: APIs without an appearance
   * object get the ISO 18004 quiet zone (4 modules) whatever the symbol's size.
   */
  quietZone?: number;
  /** Share of each block's correction capacity a logo may use; only tests change it. */
  damageBudget?: number;
}

export const MIN_CANVAS = 10;
/** Modules of a single pixel are not an image a camera can read; two is the least we draw. */
export const MIN_MODULE_PX = 2;
export const MAX_CANVAS = 5000;

// qr-code-styling's share of modules an image may hide, per level (its errorCorrectionPercents).
const COVER_SHARE: Record<EccLevel, number> = { L: 0.07, M: 0.15, Q: 0.25, H: 0.3 };
/**
 * A logo may damage at most this share of the codewords each block can correct; the rest is kept
 * for print wear, glare and blur. Every codeword the logo touches counts as wrong (the worst case).
 * Measured with a black-and-white noise logo: ZXing and jsQR read every code at 1.0 and failed on
 * 9 of 20 at 1.3, so the model tracks real decoders and 0.75 leaves a quarter in reserve.
 */
export const LOGO_DAMAGE_BUDGET = 0.75;

export function planRender(request: PlanRequest): RenderPlan {
  const { content, appearance: a, size } = request;
  if (!Number.isInteger(size) || size < MIN_CANVAS || size > MAX_CANVAS)
    throw new QrError("CANVAS_TOO_SMALL", `Size must be an integer between ${MIN_CANVAS} and ${MAX_CANVAS} pixels`, "size");
  const problem = contrastProblem(a);
  if (problem) throw new QrError("LOW_CONTRAST", problem.message, problem.field);

  const image = request.image && a.imageOptionsImageSize > 0 ? request.image : null;
  const levels = request.errorCorrectionFixed || !image
    ? [a.qrOptionsErrorCorrectionLevel]
    : ECC_LEVELS.slice(ECC_LEVELS.indexOf(a.qrOptionsErrorCorrectionLevel));
  let lastDamage = "";
  for (const level of levels) {
    const matrix = encodeQr(content, {
      errorCorrectionLevel: level,
      errorCorrectionFixed: request.errorCorrectionFixed || level !== a.qrOptionsErrorCorrectionLevel,
      version: a.qrOptionsTypeNumber,
      mode: a.qrOptionsMode,
    });
    const margin = request.quietZone === undefined ? a.margin : Math.floor((size * request.quietZone) / (matrix.size + 2 * request.quietZone));
    const geometry = canvasGeometry(matrix.size, size, a, margin);
    const hidden = image ? hiddenModules(matrix.size, image, a, geometry.dotSize) : { cols: 0, rows: 0 };
    const verdict = logoDamage(matrix, hidden, request.damageBudget ?? LOGO_DAMAGE_BUDGET);
    if (verdict) {
      lastDamage = verdict;
      continue;
    }
    const imageBox = image ? imageRectangle(geometry, matrix.size, hidden, a) : null;
    return {
      matrix,
      appearance: a,
      size,
      margin,
      ...geometry,
      hidden,
      imageBox,
      image: imageBox ? image : null,
      paints: {
        dots: layerPaint(a, "dotsOptions")!,
        background: layerPaint(a, "backgroundOptions")!,
        cornersSquare: layerPaint(a, "cornersSquareOptions"),
        cornersDot: layerPaint(a, "cornersDotOptions"),
      },
    };
  }
  throw new QrError(
    "IMAGE_TOO_LARGE",
    `The centre image hides more of the code than error correction ${levels.at(-1)} can safely recover (${lastDamage}); ` +
      (request.errorCorrectionFixed ? "lower imageOptionsImageSize or raise qrOptionsErrorCorrectionLevel" : "lower imageOptionsImageSize"),
    "imageOptionsImageSize",
  );
}

/** Module size and origin exactly as qr-code-styling computes them, so designs carry over. */
function canvasGeometry(count: number, size: number, a: Appearance, margin: number): { dotSize: number; x0: number; y0: number } {
  const minSize = size - margin * 2;
  const realQrSize = a.shape === "circle" ? minSize / Math.SQRT2 : minSize;
  const round = (v: number) => (a.dotsOptionsRoundSize ? Math.floor(v) : v);
  const dotSize = round(realQrSize / count);
  if (!(dotSize >= MIN_MODULE_PX)) {
    const needed = Math.ceil(MIN_MODULE_PX * count * (a.shape === "circle" ? Math.SQRT2 : 1)) + margin * 2;
    throw new QrError("CANVAS_TOO_SMALL", `A ${count}-module code with a ${margin} px margin needs an image of at least ${needed} px (${MIN_MODULE_PX} px per module)`, "size");
  }
  const origin = round((size - count * dotSize) / 2);
  return { dotSize, x0: origin, y0: origin };
}

function imageAspect(image: CenterImage): number {
  return image.kind === "raster" ? image.height / image.width : 1;
}

/** qr-code-styling's calculateImageSize: an odd number of hidden modules on each axis, centred. */
function hiddenModules(count: number, image: CenterImage, a: Appearance, dotSize: number): { cols: number; rows: number } {
  const maxHidden = Math.floor(a.imageOptionsImageSize * COVER_SHARE[a.qrOptionsErrorCorrectionLevel] * count * count);
  const maxAxis = count - 14;
  if (maxHidden <= 0 || dotSize <= 0 || maxAxis <= 0) return { cols: 0, rows: 0 };
  const k = imageAspect(image);
  let cols = Math.max(1, Math.floor(Math.sqrt(maxHidden / k)));
  if (maxAxis < cols) cols = maxAxis;
  if (cols % 2 === 0) cols--;
  let rows = 1 + 2 * Math.ceil((cols * k - 1) / 2);
  if (rows * cols > maxHidden || maxAxis < rows) {
    if (maxAxis < rows) {
      rows = maxAxis;
      if (rows % 2 === 0) rows--;
    } else rows -= 2;
    cols = 1 + 2 * Math.ceil((rows / k - 1) / 2);
  }
  return { cols: Math.max(0, cols), rows: Math.max(0, rows) };
}

function imageRectangle(
  g: { dotSize: number; x0: number; y0: number },
  count: number,
  hidden: { cols: number; rows: number },
  a: Appearance,
): RenderPlan["imageBox"] {
  const width = hidden.cols * g.dotSize - a.imageOptionsMargin * 2;
  const height = hidden.rows * g.dotSize - a.imageOptionsMargin * 2;
  if (width <= 0 || height <= 0) return null;
  return {
    x: g.x0 + ((count - hidden.cols) / 2) * g.dotSize + a.imageOptionsMargin,
    y: g.y0 + ((count - hidden.rows) / 2) * g.dotSize + a.imageOptionsMargin,
    width,
    height,
  };
}

export function isHidden(count: number, hidden: { cols: number; rows: number }, row: number, col: number): boolean {
  return (
    row >= (count - hidden.rows) / 2 && row < (count + hidden.rows) / 2 && col >= (count - hidden.cols) / 2 && col < (count + hidden.cols) / 2
  );
}

/** Null when the covered modules leave every block well within its correction capacity. */
function logoDamage(matrix: QrMatrix, hidden: { cols: number; rows: number }, budget: number): string | null {
  if (hidden.cols === 0 || hidden.rows === 0) return null;
  const map = codewordMap(matrix.version, matrix.errorCorrectionLevel);
  const covered = (row: number, col: number) => isHidden(matrix.size, hidden, row, col);
  for (let row = 0; row < matrix.size; row++)
    for (let col = 0; col < matrix.size; col++)
      if (map.formatModules[row * matrix.size + col] && covered(row, col)) return "it covers format information";
  const allowed = Math.floor(map.correctablePerBlock * budget);
  const worst = Math.max(...damagePerBlock(map, covered));
  return worst > allowed ? `${worst} damaged codewords in one block, at most ${allowed} allowed` : null;
}
