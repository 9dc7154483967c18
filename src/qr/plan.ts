import type { Appearance } from "./appearance";
import { layerPaint, type Paint } from "./appearance-options";
import { type CodewordMap, codewordMap, damagePerBlock } from "./codewords";
import { contrastProblem } from "./contrast";
import { type EccLevel, ECC_LEVELS, encodeQr, type QrMatrix } from "./encode";
import { QrError } from "./errors";
import { type FramePlan, planFrame } from "./frame";
import type { CenterImage } from "./image";
import type { RingDrawing } from "./shapes";

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
  /** The frame with its caption, drawn around the code's quiet zone; absent or null when there is none. */
  frame?: FramePlan | null;
  /** See PlanRequest.universalRing; absent means UNIVERSAL_RING. */
  universalRing?: RingDrawing;
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
  /** What "universal" draws a non-square finder ring as; only the calibration (bench/scannability.ts) changes it. */
  universalRing?: RingDrawing;
}

export const MIN_CANVAS = 10;
/** Modules of a single pixel are not an image a camera can read; two is the least we draw. */
export const MIN_MODULE_PX = 2;
export const MAX_CANVAS = 5000;
/**
 * Under scannability "universal", appearance.margin (pixels) is a minimum: the symbol shrinks
 * inside the same canvas until the light border around it is at least this many modules, the
 * quiet zone ISO 18004 asks for. The 10 px default is 0.2-0.9 modules at 1000 px for small
 * versions; decoders read that off a clean render, cameras on a busy background often do not, and
 * codes that failed in a decoder read after a 4-module pad. The circle shape keeps its decorative
 * ring (a one-module gap, as qr-code-styling draws it), which is its design.
 */
export const UNIVERSAL_QUIET_ZONE = 4;

// qr-code-styling's share of modules an image may hide, per level (its errorCorrectionPercents).
const COVER_SHARE: Record<EccLevel, number> = { L: 0.07, M: 0.15, Q: 0.25, H: 0.3 };
/**
 * A logo may damage at most this share of the codewords each block can correct; the rest is kept
 * for print wear, glare and blur. Every codeword the logo touches counts as wrong (the worst case).
 * Measured with a black-and-white noise logo: ZXing and jsQR read every code at 1.0 and failed on
 * 9 of 20 at 1.3, so the model tracks real decoders and 0.75 leaves a quarter in reserve.
 *
 * ZBar (zbarimg 0.23.92) needs more than the budget. It samples versions 7+ through one grid cell
 * per square of alignment patterns and looks for each pattern within two modules of where it
 * should be, taking a match with up to 6 of its 25 modules wrong. A logo over a pattern offers
 * false matches (noise, icon strokes, a pattern cut by the logo's edge) that shift the anchor and
 * misread up to four cells, far beyond the covered codewords; ZXing and jsQR use at most the
 * bottom-right pattern and never notice. Measured over versions 1-40 x L/M/Q/H x imageSize
 * 0.4/0.6/0.8 x 300/400/800 px, with the built-in "link" icon and a 48x48 noise logo, budget only:
 *   logo over alignment patterns    icon: ZBar failed 85 of 553   noise: 176 of 553
 *   every alignment pattern clear   icon: 0 of 114                noise: 0 of 114
 * The reported case (version 40-H, 61x61 modules hidden, 4 patterns covered and 5 cut) failed at
 * 400 and 800 px with only 7 of 15 correctable codewords per block damaged; blanked but with the
 * patterns left standing, ZBar read it. So a logo may not touch an alignment pattern (like the
 * format information): no room at versions 7-13, 21-27 and 35-40 (3x3 modules at 36 and 39), a
 * square of 15-23 modules at 14-20 and 28-34. With that rule, drawing the largest image accepted
 * for every version, level, size and both logos (456 codes): 0 failures in ZXing, jsQR and ZBar.
 * The budget holds for ZBar too (noise logo, patterns clear): 44 codes between 0.75 and 1.0 of
 * capacity read in all three decoders; of 36 between 1.0 and 1.3, ZBar failed 28, ZXing 20, jsQR 21.
 */
export const LOGO_DAMAGE_BUDGET = 0.75;

/**
 * First versions of the ranges whose centre is free of alignment patterns (14-20, 28-34). With an
 * automatic version and a centre image, content that lands on 7-13 or 21-27 is moved up to these
 * rather than refused: a denser symbol that keeps the logo and reads in every decoder.
 */
const CLEAR_CENTRE_VERSIONS = [14, 28] as const;

export function planRender(request: PlanRequest): RenderPlan {
  const { content, appearance: a, size } = request;
  if (!Number.isInteger(size) || size < MIN_CANVAS || size > MAX_CANVAS)
    throw new QrError("CANVAS_TOO_SMALL", `Size must be an integer between ${MIN_CANVAS} and ${MAX_CANVAS} pixels`, "size");
  const problem = contrastProblem(a);
  if (problem) throw new QrError("LOW_CONTRAST", problem.message, problem.field);
  // A frame takes its room first; the code and its quiet zone shrink into the square it leaves.
  const frame = planFrame(a, size);

  const image = request.image && a.imageOptionsImageSize > 0 ? request.image : null;
  const levels = request.errorCorrectionFixed || !image
    ? [a.qrOptionsErrorCorrectionLevel]
    : ECC_LEVELS.slice(ECC_LEVELS.indexOf(a.qrOptionsErrorCorrectionLevel));
  let lastDamage = "";
  for (const level of levels) {
    let minVersion = 1;
    for (;;) {
      const matrix = encodeQr(content, {
        errorCorrectionLevel: level,
        errorCorrectionFixed: request.errorCorrectionFixed || level !== a.qrOptionsErrorCorrectionLevel,
        version: a.qrOptionsTypeNumber,
        minVersion,
        mode: a.qrOptionsMode,
      });
      const plan = planMatrix(request, matrix, image, frame);
      if (plan.ok) return plan.plan;
      lastDamage = plan.damage;
      // An automatic version whose centre is an alignment pattern: move up to the next symbol with
      // a clear centre, if the content fits there, rather than refuse the image.
      const next = CLEAR_CENTRE_VERSIONS.find((v) => v > matrix.version);
      if (a.qrOptionsTypeNumber !== 0 || !plan.centreBlocked || next === undefined || !fitsVersion(content, level, next, a)) break;
      minVersion = next;
    }
  }
  throw new QrError(
    "IMAGE_TOO_LARGE",
    `The centre image hides more of the code than error correction ${levels.at(-1)} can safely recover (${lastDamage}); ` +
      (lastDamage.includes("alignment pattern at its centre")
        ? "choose qrOptionsTypeNumber 0 (automatic) or a version of 1-6, 14-20 or 28-34, shorten the content, or remove the image"
        : request.errorCorrectionFixed
          ? "lower imageOptionsImageSize or raise qrOptionsErrorCorrectionLevel"
          : "lower imageOptionsImageSize"),
    "imageOptionsImageSize",
  );
}

type MatrixPlan = { ok: true; plan: RenderPlan } | { ok: false; damage: string; centreBlocked: boolean };

/** Lays one encoded symbol out on the canvas, or says why its centre image cannot stay. */
function planMatrix(request: PlanRequest, matrix: QrMatrix, image: CenterImage | null, frame: FramePlan | null): MatrixPlan {
  const { appearance: a, size } = request;
  // The square the code and its quiet zone fill: the canvas, or the frame's opening.
  const room = frame?.room ?? { x: 0, y: 0, side: size };
  const side = room.side;
  const margin =
    request.quietZone !== undefined
      ? Math.floor((side * request.quietZone) / (matrix.size + 2 * request.quietZone))
      : a.scannability === "universal" && a.shape === "square"
        ? Math.max(a.margin, Math.ceil((side * UNIVERSAL_QUIET_ZONE) / (matrix.size + 2 * UNIVERSAL_QUIET_ZONE)))
        : a.margin;
  const inRoom = canvasGeometry(matrix.size, side, a, margin, size / side);
  const geometry = { dotSize: inRoom.dotSize, x0: room.x + inRoom.x0, y0: room.y + inRoom.y0 };
  const hidden = image ? hiddenModules(matrix.size, image, a, geometry.dotSize) : { cols: 0, rows: 0 };
  if (image) {
    const damage = logoDamage(matrix, hidden, request.damageBudget ?? LOGO_DAMAGE_BUDGET, (imageSize) =>
      hiddenModules(matrix.size, image, { ...a, imageOptionsImageSize: imageSize }, geometry.dotSize),
    );
    if (damage) return { ok: false, damage, centreBlocked: centreIsAlignment(codewordMap(matrix.version, matrix.errorCorrectionLevel)) };
  }
  const imageBox = image ? imageRectangle(geometry, matrix.size, hidden, a) : null;
  return {
    ok: true,
    plan: {
      matrix,
      appearance: a,
      size,
      // Measured from the canvas edge, so that size - 2 * margin is still the square the code fills.
      margin: margin + (size - side) / 2,
      ...geometry,
      ...(frame ? { frame } : {}),
      hidden,
      imageBox,
      image: imageBox ? image : null,
      ...(request.universalRing === undefined ? {} : { universalRing: request.universalRing }),
      paints: {
        dots: layerPaint(a, "dotsOptions")!,
        background: layerPaint(a, "backgroundOptions")!,
        cornersSquare: layerPaint(a, "cornersSquareOptions"),
        cornersDot: layerPaint(a, "cornersDotOptions"),
      },
    },
  };
}

/** Whether the content fits the given version at this level (and forced mode). */
function fitsVersion(content: string, level: EccLevel, version: number, a: Appearance): boolean {
  try {
    encodeQr(content, { errorCorrectionLevel: level, errorCorrectionFixed: true, version, mode: a.qrOptionsMode });
    return true;
  } catch (err) {
    if (err instanceof QrError && (err.code === "VERSION_TOO_SMALL" || err.code === "CAPACITY_EXCEEDED")) return false;
    throw err;
  }
}

/**
 * Module size and origin exactly as qr-code-styling computes them, so designs carry over. `size`
 * is the square the code fills; a frame makes the canvas `canvasPerSize` times as large.
 */
function canvasGeometry(count: number, size: number, a: Appearance, margin: number, canvasPerSize = 1): { dotSize: number; x0: number; y0: number } {
  const minSize = size - margin * 2;
  const realQrSize = a.shape === "circle" ? minSize / Math.SQRT2 : minSize;
  const round = (v: number) => (a.dotsOptionsRoundSize ? Math.floor(v) : v);
  const dotSize = round(realQrSize / count);
  if (!(dotSize >= MIN_MODULE_PX)) {
    const needed = Math.ceil((Math.ceil(MIN_MODULE_PX * count * (a.shape === "circle" ? Math.SQRT2 : 1)) + margin * 2) * canvasPerSize);
    const within = canvasPerSize === 1 ? "" : ` with its frame`;
    throw new QrError("CANVAS_TOO_SMALL", `A ${count}-module code with a ${margin} px margin${within} needs an image of at least ${needed} px (${MIN_MODULE_PX} px per module)`, "size");
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

/**
 * Null when the logo leaves every alignment pattern and the format information clear and every
 * block well within its correction capacity; otherwise why not, and the largest
 * imageOptionsImageSize (to a hundredth) that would fit, when one does. `hiddenAt` gives the
 * hidden area for another image size.
 */
function logoDamage(
  matrix: QrMatrix,
  hidden: { cols: number; rows: number },
  budget: number,
  hiddenAt: (imageSize: number) => { cols: number; rows: number },
): string | null {
  const map = codewordMap(matrix.version, matrix.errorCorrectionLevel);
  const verdict = damageVerdict(matrix, map, hidden, budget);
  if (!verdict) return null;
  if (centreIsAlignment(map)) return verdict;
  let tried = "";
  for (let hundredths = 99; hundredths >= 1; hundredths--) {
    const smaller = hiddenAt(hundredths / 100);
    // Many sizes hide the same rectangle: judge each rectangle once.
    if (smaller.cols * smaller.rows >= hidden.cols * hidden.rows || `${smaller.cols}x${smaller.rows}` === tried) continue;
    tried = `${smaller.cols}x${smaller.rows}`;
    if (!damageVerdict(matrix, map, smaller, budget)) return `${verdict}; imageOptionsImageSize ${hundredths / 100} fits`;
  }
  return verdict;
}

function centreIsAlignment(map: CodewordMap): boolean {
  const centre = (map.size - 1) / 2;
  return map.alignmentModules[centre * map.size + centre] === 1;
}

function damageVerdict(matrix: QrMatrix, map: CodewordMap, hidden: { cols: number; rows: number }, budget: number): string | null {
  if (hidden.cols === 0 || hidden.rows === 0) return null;
  const covered = (row: number, col: number) => isHidden(matrix.size, hidden, row, col);
  let format = false;
  let alignment = false;
  const top = Math.ceil((matrix.size - hidden.rows) / 2);
  const left = Math.ceil((matrix.size - hidden.cols) / 2);
  for (let row = top; row < (matrix.size + hidden.rows) / 2; row++)
    for (let col = left; col < (matrix.size + hidden.cols) / 2; col++) {
      format ||= map.formatModules[row * matrix.size + col] === 1;
      alignment ||= map.alignmentModules[row * matrix.size + col] === 1;
    }
  if (format) return "it covers format information";
  if (alignment) return alignmentVerdict(matrix.version, map);
  const allowed = Math.floor(map.correctablePerBlock * budget);
  const worst = Math.max(...damagePerBlock(map, covered));
  return worst > allowed ? `${worst} damaged codewords in one block, at most ${allowed} allowed` : null;
}

/** Versions 7-13, 21-27, 35, 37, 38 and 40 have an alignment pattern on the centre module itself. */
function alignmentVerdict(version: number, map: CodewordMap): string {
  return centreIsAlignment(map)
    ? `version ${version} has an alignment pattern at its centre and a centre image may not cover one; versions 1-6, 14-20 and 28-34 leave room for an image`
    : "it covers an alignment pattern, which a centre image may not";
}
