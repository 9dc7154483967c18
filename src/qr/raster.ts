import { Resvg } from "@resvg/resvg-wasm";
import { DirectCoverage, EdgeTable, RowSpans } from "./coverage";
import { QrError } from "./errors";
import { bytesToBase64 } from "./base64";
import { type Box, round2 } from "./geometry";
import { MAX_LOGO_SIDE } from "./image";
import { ImageSampler, meetRect } from "./image-sampler";
import { rowPainter, type RowPainter } from "./paint";
import type { PathData } from "./path";
import type { RenderPlan } from "./plan";
import { RgbPngStream } from "./png";
import { sceneOf } from "./scene";
import { rasterImageSvg, renderImageSvg } from "./svg";
import { ensureRaster } from "./resvg";

// Where resvg's WebAssembly comes from is set up in resvg.ts, which frames share without the PNG writer.
export { configureRaster, ensureRaster } from "./resvg";

/**
 * Bytes of RGB per strip. A full 5000 px frame is 75 MB of RGB, far beyond what a 128 MB isolate
 * should hold for one request; strips keep the peak flat whatever the size, and a 500 px code
 * (750 KB) is still a single strip.
 */
export const STRIP_BYTES = 1024 * 1024;

/** Renders one document to premultiplied RGBA, checking it came out at the expected size. */
export function renderPixels(svg: string, width: number, height: number): Uint8Array {
  const renderer = new Resvg(svg, { font: { loadSystemFonts: false } });
  try {
    const image = renderer.render();
    try {
      if (image.width !== width || image.height !== height) throw new Error(`rendered ${image.width}x${image.height}, expected ${width}x${height}`);
      return image.pixels;
    } finally {
      image.free();
    }
  } finally {
    renderer.free();
  }
}

/**
 * Gives a pixel copy's memory back now instead of at the next garbage collection: resvg hands
 * every image over as a fresh copy of megabytes, and V8 lets dead copies pile up to tens of MB
 * before it collects. Transferring the buffer to a zero-length one detaches it and frees its
 * store at once; the array must not be read after.
 */
export function release(pixels: Uint8Array): void {
  const buffer = pixels.buffer;
  if (buffer instanceof ArrayBuffer && !buffer.detached) buffer.transfer(0);
}

/** Whole pixels the centre image may touch, within the canvas. */
function imageFrame(plan: RenderPlan): Box | null {
  const box = plan.imageBox;
  if (!box) return null;
  const x = Math.max(0, Math.floor(box.x));
  const y = Math.max(0, Math.floor(box.y));
  const right = Math.min(plan.size, Math.ceil(box.x + box.width));
  const bottom = Math.min(plan.size, Math.ceil(box.y + box.height));
  return right > x && bottom > y ? { x, y, width: right - x, height: bottom - y } : null;
}

/** Lays premultiplied RGBA pixels of the frame's rows [from, to) over the strip's PNG lines. */
function overlayImage(rgb: Uint8Array, lineBytes: number, top: number, frame: Box, from: number, to: number, image: Uint8Array): void {
  for (let y = from; y < to; y++)
    for (let x = 0; x < frame.width; x++) {
      const i = ((y - from) * frame.width + x) * 4;
      const alpha = image[i + 3]!;
      if (alpha === 0) continue;
      const o = (y - top) * lineBytes + 1 + (frame.x + x) * 3;
      const keep = 255 - alpha;
      rgb[o] = image[i]! + Math.round((rgb[o]! * keep) / 255);
      rgb[o + 1] = image[i + 1]! + Math.round((rgb[o + 1]! * keep) / 255);
      rgb[o + 2] = image[i + 2]! + Math.round((rgb[o + 2]! * keep) / 255);
    }
}

type PixelRenderer = (svg: string, width: number, height: number) => Uint8Array;

/** Gives the centre image's premultiplied pixels for frame rows [from, to). */
type ImageBands = { band(from: number, to: number): Uint8Array; release(): void };

/**
 * Centre images as resvg hands them over (premultiplied RGBA), for the designs drawn most: every
 * download of a design draws its logo or icon again, at the same size. resvg took 15 ms to
 * decode a 256 px PNG logo (most of a 500 px render's time) and 90 ms to draw a 5000 px code's
 * icon. Entries are keyed by what was drawn (a logo by its bytes' SHA-256), used most recently
 * last, and bounded in bytes: an isolate holds at most CACHE_BYTES for this.
 */
const CACHE_BYTES = 8 * 1024 * 1024;
const ENTRY_BYTES = 4 * 1024 * 1024;
const decoded = new Map<string, Uint8Array>();
let decodedBytes = 0;

/** What the cache holds now, for tests. */
export function decodedImageBytes(): number {
  return decodedBytes;
}

/** The cached pixels for `key`, or `draw()`'s, kept when they fit; `kept` says whether the cache owns them. */
function cachedPixels(key: string, draw: () => Uint8Array): { pixels: Uint8Array; kept: boolean } {
  const hit = decoded.get(key);
  if (hit) {
    decoded.delete(key);
    decoded.set(key, hit);
    return { pixels: hit, kept: true };
  }
  const pixels = draw();
  if (pixels.length > ENTRY_BYTES) return { pixels, kept: false };
  decoded.set(key, pixels);
  decodedBytes += pixels.length;
  for (const [old, oldPixels] of decoded) {
    if (decodedBytes <= CACHE_BYTES) break;
    decoded.delete(old);
    decodedBytes -= oldPixels.length;
  }
  return { pixels, kept: decoded.get(key) === pixels };
}

/**
 * An uploaded logo is decoded once (resvg drawing it at its own size gives its exact pixels) and
 * scaled here, band by band, as resvg would draw it in the document. A logo stored before uploads
 * were scaled (up to MAX_LOGO_PIXELS) is decoded at MAX_LOGO_SIDE, so what a render holds is
 * 4 MB at most.
 */
async function logoBands(plan: RenderPlan, frame: Box, render: PixelRenderer, bandRows: number): Promise<ImageBands | null> {
  const image = plan.image;
  const box = plan.imageBox;
  if (image?.kind !== "raster" || !box) return null;
  const scale = Math.min(1, MAX_LOGO_SIDE / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  // WebCrypto takes only an ArrayBuffer-backed view; the copy is a few hundred KB at most.
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(image.bytes)));
  const key = `logo ${width}x${height} ${bytesToBase64(digest)}`;
  const { pixels, kept } = cachedPixels(key, () => render(rasterImageSvg(image, width, height), width, height));
  // The box as the SVG document writes it, so both draw the logo at the same place.
  const written = { x: round2(box.x), y: round2(box.y), width: round2(box.width), height: round2(box.height) };
  const sampler = new ImageSampler({ width, height, pixels }, meetRect(written, image.width, image.height), frame);
  const out = new Uint8Array(Math.min(bandRows, frame.height) * frame.width * 4);
  return { band: (from, to) => sampler.band(from, to, out), release: () => (kept ? undefined : release(pixels)) };
}

/** A built-in icon is a few stroked vector shapes: resvg draws it once, in its own frame. */
function iconBands(plan: RenderPlan, frame: Box, render: PixelRenderer): ImageBands | null {
  const svg = renderImageSvg(plan, frame);
  if (!svg) return null;
  const { pixels, kept } = cachedPixels(svg, () => render(svg, frame.width, frame.height));
  return {
    band: (from, to) => pixels.subarray(from * frame.width * 4, to * frame.width * 4),
    release: () => (kept ? undefined : release(pixels)),
  };
}

export interface RasterOptions {
  /** What turns an SVG document (the logo, an icon) into premultiplied RGBA; tests wrap it to count resvg's work. */
  renderPixels?: PixelRenderer;
  /**
   * The request's signal: a client that went away stops the render before its next strip (a
   * 5000 px code is dozens of strips and a fraction of a second of CPU nobody would read).
   */
  signal?: AbortSignal;
  /** Called before each strip is drawn, with its first row (tests count strips with it). */
  onStrip?: (top: number) => void;
}

interface LayerRaster {
  path: PathData;
  /** the layer's edges by strip; null when the image is one strip and they go straight into the sums */
  edges: EdgeTable | null;
  painter: RowPainter;
  left: number;
  width: number;
}

/**
 * Rasterizes a styled plan into a PNG, strip by strip. The scene (the same layers the SVG writer
 * prints) is filled here: each layer's outlines become exact-area coverage, and its paint (a
 * colour or a gradient, sampled as SVG defines it) is laid over what is below in proportion.
 * resvg is left the centre image: it decodes an uploaded logo once, and draws a built-in icon's
 * strokes once.
 */
export async function rasterizePlan(plan: RenderPlan, options: RasterOptions = {}): Promise<Uint8Array> {
  const render = options.renderPixels ?? renderPixels;
  const { size } = plan;
  const png = new RgbPngStream(size, size);
  const lineBytes = png.lineBytes;
  const stripRows = Math.max(1, Math.min(size, Math.floor(STRIP_BYTES / lineBytes)));
  const scene = sceneOf(plan);
  // One strip: each layer's outlines go straight into the sums when it is painted. Several: each
  // layer's edges are kept, sorted by the strips they cross.
  const whole = stripRows >= size;
  const layers: LayerRaster[] = [];
  for (const layer of scene.layers) {
    const painter = rowPainter(layer.paint, layer.gradient);
    if (whole) {
      if (!layer.path.isEmpty) layers.push({ path: layer.path, edges: null, painter, left: 0, width: size });
      continue;
    }
    const edges = new EdgeTable(stripRows);
    layer.path.flatten(edges);
    if (edges.isEmpty) continue;
    const left = Math.max(0, Math.floor(edges.minX));
    const right = Math.min(size, Math.ceil(edges.maxX) + 1);
    if (right <= left) continue;
    layers.push({ path: layer.path, edges, painter, left, width: right - left });
  }
  const background = rowPainter(scene.background.paint, scene.background.gradient);
  const frame = imageFrame(plan);
  options.signal?.throwIfAborted();
  let image: ImageBands | null = null;
  if (frame && plan.image) {
    await ensureRaster();
    image = plan.image.kind === "raster" ? await logoBands(plan, frame, render, stripRows) : iconBands(plan, frame, render);
  }
  // Accumulated areas: a line per row, two cells wider than the canvas for the last edges' spill.
  const stride = size + 2;
  const acc = spare.take(Float32Array, size, stripRows * stride);
  const spans = new RowSpans(stripRows, size);
  // A solid background is one PNG line (filter byte 0, then the colour throughout) copied into every row.
  let backgroundLine: Uint8Array | null = null;
  if (background.solid) {
    backgroundLine = new Uint8Array(lineBytes);
    background.fill(backgroundLine, 1, 0, size, 0);
  }
  // The strip is drawn in PNG's own layout (a zero filter byte, then RGB, per line) and handed
  // to the encoder as it is; the encoder is done with it when writeLines resolves.
  const strip = spare.take(Uint8Array, size, stripRows * lineBytes);
  let finished = false;
  try {
    for (let top = 0; top < size; top += stripRows) {
      options.signal?.throwIfAborted();
      options.onStrip?.(top);
      const rows = Math.min(stripRows, size - top);
      const lines = strip.subarray(0, rows * lineBytes);
      if (backgroundLine) for (let r = 0; r < rows; r++) lines.set(backgroundLine, r * lineBytes);
      else
        for (let r = 0; r < rows; r++) {
          lines[r * lineBytes] = 0; // the filter byte: a kept strip holds the last render's bytes
          background.fill(lines, r * lineBytes + 1, 0, size, top + r);
        }
      for (const layer of layers) {
        const { edges } = layer;
        if (edges && (edges.maxY <= top || edges.minY >= top + rows)) continue;
        spans.clear();
        if (edges) edges.accumulate(acc, stride, layer.left, layer.width, top, rows, spans);
        else layer.path.flatten(new DirectCoverage(acc, stride, size, size, spans));
        for (let r = 0; r < rows; r++) {
          const first = spans.first[r]!;
          const last = spans.last[r]!;
          if (last < first) continue;
          // The span's last cells may lie past the layer's columns: the sum is 0 again by then.
          const paint = Math.min(last, layer.width) - first;
          if (paint > 0) layer.painter.cover(acc, r * stride + first, lines, r * lineBytes + 1 + (layer.left + first) * 3, layer.left + first, paint, top + r);
          acc.fill(0, r * stride + first, r * stride + last + 1);
        }
      }
      if (frame && image) {
        const from = Math.max(top, frame.y);
        const to = Math.min(top + rows, frame.y + frame.height);
        if (to > from) overlayImage(lines, lineBytes, top, frame, from, to, image.band(from - frame.y, to - frame.y));
      }
      await png.writeLines(lines);
      // Yielding a task between strips lets other requests on the isolate run meanwhile.
      if (top + rows < size) await nextTask();
    }
    const encoded = await png.finish();
    finished = true;
    return encoded;
  } finally {
    image?.release();
    // A render stopped midway leaves sums in acc: only clean buffers go back.
    if (finished) spare.give(size, strip, acc);
    else png.abandon();
  }
}

/**
 * The last render's strip and sum buffers, kept for the next one of the same canvas size: a fresh
 * megabyte costs its zeroing and page faults on every render (measured: a tenth of a 500 px
 * render), and renders of one size come in runs (every download of a design). One of each is
 * kept, so an isolate holds at most two or three megabytes for this.
 */
const spare = {
  size: 0,
  strip: null as Uint8Array | null,
  acc: null as Float32Array | null,
  take<T extends Uint8Array | Float32Array>(kind: { new (length: number): T }, size: number, length: number): T {
    const slot = kind === (Uint8Array as unknown) ? "strip" : "acc";
    const kept = this[slot];
    if (kept && this.size === size && kept.length === length) {
      this[slot] = null;
      return kept as T;
    }
    return new kind(length);
  },
  give(size: number, strip: Uint8Array, acc: Float32Array): void {
    this.size = size;
    this.strip = strip;
    this.acc = acc;
  },
};

/**
 * Resolves in a new task. setImmediate where the runtime has it (Node; workerd with nodejs_compat):
 * Node holds a setTimeout(0) back for a millisecond, which at 5000 px (75 strips) was a fifth of
 * the render spent idle.
 */
function nextTask(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
