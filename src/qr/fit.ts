import { ECC_LEVELS, type EccLevel } from "./encode";
import { QrError } from "./errors";
import { MAX_CANVAS, MIN_CANVAS, planRender, type PlanRequest, type RenderPlan } from "./plan";

/**
 * Plans a code at the first of `levels` whose modules fit the canvas (MIN_MODULE_PX each). Callers
 * list levels from preferred to last resort, e.g. ["M", "L"]: a long URL that needs too many
 * modules at M for the pixels is still drawn at L rather than refused.
 *
 * When no level fits, the CANVAS_TOO_SMALL error carries `minimumSize`: the smallest canvas that
 * works at the last level tried (absent when not even MAX_CANVAS does). Content beyond every
 * level's capacity rethrows the encoder's CAPACITY_EXCEEDED; any other engine error (contrast,
 * logo damage) is not about fitting and is rethrown at once.
 */
export function planFitting(request: PlanRequest, levels: readonly EccLevel[]): RenderPlan {
  if (levels.length === 0) throw new RangeError("planFitting needs at least one error-correction level");
  // A size outside the engine's range is the caller's mistake, not a fit: planRender says so as is.
  if (!Number.isInteger(request.size) || request.size < MIN_CANVAS || request.size > MAX_CANVAS) return planRender(request);
  let lastError: QrError | undefined;
  for (const level of levels) {
    try {
      return planRender(atLevel(request, level));
    } catch (err) {
      if (!(err instanceof QrError) || !isFittingProblem(err)) throw err;
      lastError = err;
    }
  }
  if (lastError!.code !== "CANVAS_TOO_SMALL") throw lastError;
  const last = atLevel(request, levels.at(-1)!);
  const minimumSize = smallestFittingSize(last);
  const message =
    minimumSize === undefined
      ? `The content needs more than ${MAX_CANVAS} px at error correction ${levels.at(-1)}`
      : `The content needs an image of at least ${minimumSize} px at error correction ${levels.at(-1)} (${request.size} px leaves modules under the minimum)`;
  throw new QrError("CANVAS_TOO_SMALL", message, "size", minimumSize);
}

/** Too many modules for the pixels, too much data for the level, or a fixed version too small for it. */
const isFittingProblem = (err: QrError): boolean =>
  err.code === "CANVAS_TOO_SMALL" || err.code === "CAPACITY_EXCEEDED" || err.code === "VERSION_TOO_SMALL";

function atLevel(request: PlanRequest, level: EccLevel): PlanRequest {
  return { ...request, appearance: { ...request.appearance, qrOptionsErrorCorrectionLevel: level } };
}

function fits(request: PlanRequest, size: number): boolean {
  try {
    planRender({ ...request, size });
    return true;
  } catch {
    return false;
  }
}

/**
 * The smallest canvas above request.size that draws the code. Module size grows with the canvas
 * almost monotonically; with a quiet zone in modules the margin grows in steps, so a size can fit
 * while the next one does not. A binary search finds a boundary, then a short walk down finds any
 * smaller size that also fits (the dips span a few pixels at most).
 */
function smallestFittingSize(request: PlanRequest): number | undefined {
  let low = request.size; // known not to fit
  let high = MAX_CANVAS;
  if (low >= high || !fits(request, high)) return undefined;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (fits(request, mid)) high = mid;
    else low = mid;
  }
  let best = high;
  for (let size = high - 1; size > request.size && size >= high - 8; size--) if (fits(request, size)) best = size;
  return best;
}

/**
 * The levels a download tries, for planFitting: error correction may drop below the design's level
 * to fit a small canvas, but never under a logo (the logo's room was judged at the chosen level).
 * The Worker's download and the browser's preview (browser.ts) both plan with these.
 */
export function downloadLevels(chosen: EccLevel, hasLogo: boolean): EccLevel[] {
  return hasLogo ? [chosen] : ECC_LEVELS.slice(0, ECC_LEVELS.indexOf(chosen) + 1).reverse();
}
