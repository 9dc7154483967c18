import { findFile } from "../db/files";
import { readFileBytes } from "../files/logo";
import { InvalidInput } from "../lib/invalid-input";
import { Semaphore } from "../lib/semaphore";
import { downloadLevels, MAX_CANVAS, planFitting, prepareFrame, QrError, renderPlanPng, renderPlanSvg, sniffRasterImage, type CenterImage } from "../qr";
import type { QrCodeRecord } from "./record";
import { builtinLogo } from "./write-checks";

/**
 * A stored code drawn as an image, for every caller that downloads one: a single code
 * (http/qr-codes/download.ts, with its render cache) and a print run's ZIP and PDF sheet
 * (codes/print-sheet.ts). Takes plain values and throws InvalidInput; routes render it as a 400.
 */

export interface ImageOptions {
  format: "png" | "svg";
  /** Pixels, square. */
  size: number;
  /** Pixels; overrides appearance.margin. */
  margin: number;
}

/** Above this a styled PNG takes tens of MB while it renders; one at a time per isolate keeps the peak flat. */
const LARGE_RENDER_PX = 1500;
const largeRenders = new Semaphore(1);

/** What a code's logo is now: its upload (with the digest a cache key needs), a built-in icon, or none. */
export async function loadCodeLogo(env: Env, code: Pick<QrCodeRecord, "orgId" | "appearance" | "logoFileId">): Promise<{ image: CenterImage | null; digest: string | null }> {
  if (code.appearance.uploadedImage === null || code.logoFileId === null) return { image: builtinLogo(code.appearance), digest: null };
  const file = await findFile(env.DB, code.orgId, code.logoFileId);
  const bytes = file ? await readFileBytes(env, file) : null;
  // The upload was removed after the code was saved: draw the code without it rather than fail.
  if (!file || !bytes) return { image: null, digest: null };
  try {
    return { image: sniffRasterImage(bytes), digest: file.sha256 };
  } catch (err) {
    // Stored before uploads were checked and scaled: too many pixels to decode for a render.
    if (err instanceof QrError) throw new InvalidInput([{ field: "appearance.uploadedImage", message: err.message }]);
    throw err;
  }
}

/** Draws `text` (what the code encodes) with the code's whole appearance at the options' size and margin. */
export async function renderCodeImage(text: string, code: Pick<QrCodeRecord, "appearance">, options: ImageOptions, image: CenterImage | null, signal?: AbortSignal): Promise<Uint8Array> {
  const appearance = { ...code.appearance, margin: options.margin };
  await prepareFrame(appearance); // a frame's caption is laid out by resvg, started here
  let plan;
  try {
    plan = planFitting({ content: text, appearance, size: options.size, image }, downloadLevels(appearance.qrOptionsErrorCorrectionLevel, image !== null));
  } catch (err) {
    if (err instanceof QrError && err.code === "CANVAS_TOO_SMALL")
      throw new InvalidInput([
        {
          field: "size",
          message:
            err.minimumSize === undefined
              ? `${err.message}; this code cannot be drawn readably even at ${MAX_CANVAS} px with a ${options.margin} px margin`
              : `${err.message}; the smallest size that works for this code is ${err.minimumSize} px`,
        },
      ]);
    if (err instanceof QrError) throw new InvalidInput([{ field: err.field === "size" || !err.field ? "size" : `appearance.${err.field}`, message: err.message }]);
    throw err;
  }
  if (options.format === "svg") return new TextEncoder().encode(renderPlanSvg(plan));
  // A client that left stops the render at its next strip, and a large render queued behind
  // another never starts for nobody (renderError answers 499, not a counted crash).
  if (options.size < LARGE_RENDER_PX) return renderPlanPng(plan, { signal });
  return largeRenders.run(() => {
    signal?.throwIfAborted();
    return renderPlanPng(plan, { signal });
  });
}
