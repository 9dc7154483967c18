import type { Box } from "./geometry";

/**
 * A decoded logo drawn into a canvas the way resvg draws an SVG <image> on a whole canvas
 * (tiny-skia: a rectangle filled with the image as a pattern, bicubic filtering, edges padded,
 * edge pixels covered by area), one band of rows at a time. The logo is decoded once per render and every strip
 * samples it here, instead of resvg decoding it again for every strip it crosses.
 */

/** Premultiplied RGBA pixels of a decoded image. */
export interface DecodedImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/**
 * tiny-skia's bicubic weights (Mitchell-Netravali, B = C = 1/3), split as it splits them: `near`
 * for the two pixels within half a pixel of the sample, `far` for the two beyond.
 */
const near = (t: number) => t * (t * ((-21 / 18) * t + 27 / 18) + 9 / 18) + 1 / 18;
const far = (t: number) => t * t * ((7 / 18) * t - 6 / 18);

/** For each output position: the four source indices (clamped: edges pad) and their weights. */
function taps(count: number, origin: number, scale: number, limit: number): { index: Int32Array; weight: Float32Array } {
  const index = new Int32Array(count * 4);
  const weight = new Float32Array(count * 4);
  for (let i = 0; i < count; i++) {
    // The pixel's centre in image space; samples at -1.5, -0.5, +0.5, +1.5 around it.
    const u = (i + 0.5 - origin) * scale;
    const f = u + 0.5 - Math.floor(u + 0.5);
    const first = Math.floor(u - 1.5);
    const w = [far(1 - f), near(1 - f), near(f), far(f)];
    for (let k = 0; k < 4; k++) {
      index[i * 4 + k] = Math.min(limit - 1, Math.max(0, first + k));
      weight[i * 4 + k] = w[k]!;
    }
  }
  return { index, weight };
}

/** How much of each pixel [i, i + 1) the span [start, end) covers. */
function coverage(count: number, start: number, end: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.max(0, Math.min(i + 1, end) - Math.max(i, start));
  return out;
}

export class ImageSampler {
  private readonly columns: { index: Int32Array; weight: Float32Array };
  private readonly rowsAt: { index: Int32Array; weight: Float32Array };
  private readonly columnCover: Float32Array;
  private readonly rowCover: Float32Array;
  /**
   * Source rows filtered across, in four slots by row index modulo 4: an output row needs four
   * consecutive source rows (fewer at the edges) and rows only move down, so none is evicted
   * while needed, and nothing is allocated per row.
   */
  private readonly slots: Float32Array[];
  private readonly slotRows = new Int32Array([-1, -1, -1, -1]);

  /**
   * `image` is drawn over `rect` (canvas pixels, the rectangle its aspect ratio leaves inside the
   * box); `frame` is the whole-pixel area bands are cut from.
   */
  constructor(
    private readonly image: DecodedImage,
    rect: Box,
    private readonly frame: Box,
  ) {
    this.columns = taps(frame.width, rect.x - frame.x, image.width / rect.width, image.width);
    this.rowsAt = taps(frame.height, rect.y - frame.y, image.height / rect.height, image.height);
    this.columnCover = coverage(frame.width, rect.x - frame.x, rect.x - frame.x + rect.width);
    this.rowCover = coverage(frame.height, rect.y - frame.y, rect.y - frame.y + rect.height);
    this.slots = [0, 1, 2, 3].map(() => new Float32Array(frame.width * 4));
  }

  /**
   * Premultiplied RGBA for frame rows [from, to) (frame coordinates), frame.width pixels each,
   * written to the start of `out` (reused from band to band: no garbage per strip).
   */
  band(from: number, to: number, out: Uint8Array = new Uint8Array((to - from) * this.frame.width * 4)): Uint8Array {
    const width = this.frame.width;
    const { index, weight } = this.rowsAt;
    out.fill(0, 0, (to - from) * width * 4);
    for (let y = from; y < to; y++) {
      const rowCover = this.rowCover[y]!;
      if (rowCover === 0) continue;
      const r0 = this.filteredRow(index[y * 4]!);
      const r1 = this.filteredRow(index[y * 4 + 1]!);
      const r2 = this.filteredRow(index[y * 4 + 2]!);
      const r3 = this.filteredRow(index[y * 4 + 3]!);
      const w0 = weight[y * 4]!;
      const w1 = weight[y * 4 + 1]!;
      const w2 = weight[y * 4 + 2]!;
      const w3 = weight[y * 4 + 3]!;
      for (let x = 0, i = 0, o = (y - from) * width * 4; x < width; x++, i += 4, o += 4) {
        const cover = rowCover * this.columnCover[x]!;
        if (cover === 0) continue;
        // Bicubic overshoots: tiny-skia clamps alpha to [0, 1] and colour to [0, alpha].
        const alpha = Math.min(255, Math.max(0, w0 * r0[i + 3]! + w1 * r1[i + 3]! + w2 * r2[i + 3]! + w3 * r3[i + 3]!));
        for (let c = 0; c < 3; c++) {
          const value = w0 * r0[i + c]! + w1 * r1[i + c]! + w2 * r2[i + c]! + w3 * r3[i + c]!;
          out[o + c] = Math.round(Math.min(alpha, Math.max(0, value)) * cover);
        }
        out[o + 3] = Math.round(alpha * cover);
      }
    }
    return out;
  }

  /** Source row `r` filtered horizontally at every frame column (premultiplied, 0-255, unclamped). */
  private filteredRow(r: number): Float32Array {
    const row = this.slots[r & 3]!;
    if (this.slotRows[r & 3] === r) return row;
    this.slotRows[r & 3] = r;
    const { pixels, width: sourceWidth } = this.image;
    const { index, weight } = this.columns;
    const width = this.frame.width;
    const base = r * sourceWidth * 4;
    for (let x = 0; x < width; x++) {
      let red = 0;
      let green = 0;
      let blue = 0;
      let alpha = 0;
      for (let k = 0; k < 4; k++) {
        const w = weight[x * 4 + k]!;
        const s = base + index[x * 4 + k]! * 4;
        red += w * pixels[s]!;
        green += w * pixels[s + 1]!;
        blue += w * pixels[s + 2]!;
        alpha += w * pixels[s + 3]!;
      }
      row[x * 4] = red;
      row[x * 4 + 1] = green;
      row[x * 4 + 2] = blue;
      row[x * 4 + 3] = alpha;
    }
    return row;
  }
}

/**
 * Where resvg puts an image of `width` x `height` in `box` with preserveAspectRatio
 * "xMidYMid meet" (usvg's fit_view_box and aligned_pos): scaled to fit, centred.
 */
export function meetRect(box: Box, width: number, height: number): Box {
  const byHeight = (box.height * width) / height;
  const fitted = byHeight >= box.width ? { width: box.width, height: (box.width * height) / width } : { width: byHeight, height: box.height };
  return { x: box.x + (box.width - fitted.width) / 2, y: box.y + (box.height - fitted.height) / 2, ...fitted };
}
