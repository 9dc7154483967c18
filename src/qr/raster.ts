import { initWasm, Resvg } from "@resvg/resvg-wasm";
import { QrError } from "./errors";
import type { Paint } from "./appearance";
import { paintSampler, type PaintSampler } from "./paint";
import type { RenderPlan } from "./plan";
import { RgbPngStream } from "./png";
import { MAX_LOGO_SIDE } from "./image";
import { ImageSampler, meetRect } from "./image-sampler";
import { type Box, finderBoxes, gradientGeometry, round2 } from "./geometry";
import { rasterImageSvg, renderImageSvg, renderKeySvg } from "./svg";

type WasmSource = Parameters<typeof initWasm>[0];

let wasmSource: (() => WasmSource) | null = null;
let ready: Promise<void> | null = null;

/**
 * Tells the rasterizer where its WebAssembly comes from: a compiled module imported by the Worker
 * bundle, or the file's bytes under Node. Nothing is loaded until the first styled PNG.
 */
export function configureRaster(source: () => WasmSource): void {
  wasmSource = source;
}

export async function ensureRaster(): Promise<void> {
  if (!ready) {
    const source = wasmSource;
    ready = (async () => {
      if (!source) throw new Error("configureRaster() was not called");
      try {
        await initWasm(source());
      } catch (err) {
        // Another module of the same isolate may have initialised resvg first; that is fine.
        if (!(err instanceof Error && /already/i.test(err.message))) throw err;
      }
    })();
    ready.catch(() => {
      ready = null; // let a later request retry instead of caching the failure forever
    });
  }
  try {
    await ready;
  } catch (err) {
    throw new QrError("RASTER_UNAVAILABLE", `The PNG rasterizer could not start: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Pixels rendered per strip. A full 5000 px frame is 100 MB of RGBA (and resvg's own PNG encoder
 * needs as much again), far beyond a 128 MB isolate; strips keep the peak flat whatever the size.
 * 2 MB measured lower peaks than 4 MB (47 to 56 MB of growth at 5000 px against 55 to 72) for
 * the same time; a 500 px code is still a single strip.
 */
export const STRIP_BYTES = 2 * 1024 * 1024;

const STRIP_OVERLAP = 16;

const SVG_HEADER = /^<svg ([^>]*?)width="(\d+)" height="(\d+)" viewBox="0 0 \d+ \d+"/;

/**
 * The same document framed to rows [top, top + rows): resvg then allocates and fills only the
 * strip. (Its `crop` option renders the whole frame first and cuts afterwards, which measured as
 * slow as a full render per strip.)
 */
function stripOf(svg: string, size: number, top: number, rows: number): string {
  return svg.replace(SVG_HEADER, (_m, attributes: string) => `<svg ${attributes}width="${size}" height="${rows}" viewBox="0 ${top} ${size} ${rows}"`);
}

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

interface Samplers {
  background: PaintSampler;
  dots: PaintSampler;
  /** per finder (top-left, top-right, bottom-left); the dots' sampler when the layer has no paint of its own */
  squares: PaintSampler[];
  centres: PaintSampler[];
}

function samplersFor(plan: RenderPlan): Samplers {
  const canvas = { x: 0, y: 0, width: plan.size, height: plan.size };
  const sampler = (paint: Paint, box: Box, rotation: number) => paintSampler(paint, paint.gradient ? gradientGeometry(paint.gradient, box, rotation) : null);
  const dots = sampler(plan.paints.dots, canvas, 0);
  const finders = finderBoxes(plan);
  const { cornersSquare, cornersDot } = plan.paints;
  return {
    background: sampler(plan.paints.background, canvas, 0),
    dots,
    squares: finders.map((f) => (cornersSquare ? sampler(cornersSquare, f.square, f.rotation) : dots)),
    centres: finders.map((f) => (cornersDot ? sampler(cornersDot, f.dot, f.rotation) : dots)),
  };
}

/**
 * Paints one strip from its coverage: each key channel says how much of the pixel a layer
 * covers, and the rest shows the background, exactly the source-over blend resvg would have
 * made of the real paints. Gradients are evaluated only where their layer shows.
 */
function paintStrip(key: Uint8Array, samplers: Samplers, size: number, top: number, rows: number, rgb: Uint8Array): void {
  const { background, dots, squares, centres } = samplers;
  const solidBackground = background.solid;
  const scratch = new Uint8Array(12); // background, dots, square, centre colours
  const half = size / 2;
  for (let r = 0; r < rows; r++) {
    const y = top + r;
    for (let x = 0, k = r * size * 4, o = r * size * 3; x < size; x++, k += 4, o += 3) {
      const red = key[k]!;
      const green = key[k + 1]!;
      const blue = key[k + 2]!;
      if ((red | green | blue) === 0 && solidBackground) {
        rgb[o] = solidBackground[0];
        rgb[o + 1] = solidBackground[1];
        rgb[o + 2] = solidBackground[2];
        continue;
      }
      if (red === 255) {
        dots.sample(x, y, rgb, o);
        continue;
      }
      const shown = Math.max(0, 255 - red - green - blue);
      const corner = x >= half ? 1 : y >= half ? 2 : 0;
      if (shown) background.sample(x, y, scratch, 0);
      if (red) dots.sample(x, y, scratch, 3);
      if (green) squares[corner]!.sample(x, y, scratch, 6);
      if (blue) centres[corner]!.sample(x, y, scratch, 9);
      for (let c = 0; c < 3; c++) {
        const sum = (shown ? scratch[c]! * shown : 0) + (red ? scratch[3 + c]! * red : 0) + (green ? scratch[6 + c]! * green : 0) + (blue ? scratch[9 + c]! * blue : 0);
        rgb[o + c] = Math.min(255, Math.round(sum / 255));
      }
    }
  }
}

/**
 * Gives a pixel copy's memory back now instead of at the next garbage collection: resvg hands
 * every strip over as a fresh copy of megabytes, and V8 lets dead copies pile up to tens of MB
 * before it collects. Measured at 5000 px (Node): a styled code grew 51 to 65 MB, 77 to 90 MB
 * with a 1024 px logo; releasing each strip, 22 to 32 MB. Transferring the buffer to a
 * zero-length one detaches it and frees its store at once; the array must not be read after.
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

/** Lays the image's premultiplied pixels over the strip's rows [from, to) of the frame. */
function overlayImage(rgb: Uint8Array, size: number, top: number, frame: Box, from: number, to: number, image: Uint8Array): void {
  for (let y = from; y < to; y++)
    for (let x = 0; x < frame.width; x++) {
      const i = ((y - from) * frame.width + x) * 4;
      const alpha = image[i + 3]!;
      if (alpha === 0) continue;
      const o = ((y - top) * size + frame.x + x) * 3;
      const keep = 255 - alpha;
      rgb[o] = image[i]! + Math.round((rgb[o]! * keep) / 255);
      rgb[o + 1] = image[i + 1]! + Math.round((rgb[o + 1]! * keep) / 255);
      rgb[o + 2] = image[i + 2]! + Math.round((rgb[o + 2]! * keep) / 255);
    }
}

/**
 * An uploaded logo decoded once for the whole render (resvg drawing it at its own size gives its
 * exact pixels), then sampled strip by strip. Drawn by resvg per strip, it was decoded again for
 * every strip it crossed: a 4096 px logo cost 16 s and 125 MB at 5000 px, a 1024 px one 6 s.
 * A logo stored before uploads were scaled (up to MAX_LOGO_PIXELS) is decoded at MAX_LOGO_SIDE,
 * so what the render holds is the same 4 MB at most.
 */
function logoSampler(plan: RenderPlan, frame: Box, render: PixelRenderer): { sampler: ImageSampler; pixels: Uint8Array } | null {
  const image = plan.image;
  const box = plan.imageBox;
  if (image?.kind !== "raster" || !box) return null;
  const scale = Math.min(1, MAX_LOGO_SIDE / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const decoded = { width, height, pixels: render(rasterImageSvg(image, width, height), width, height) };
  // The box as the SVG document writes it, so both draw the logo at the same place.
  const written = { x: round2(box.x), y: round2(box.y), width: round2(box.width), height: round2(box.height) };
  return { sampler: new ImageSampler(decoded, meetRect(written, image.width, image.height), frame), pixels: decoded.pixels };
}

type PixelRenderer = (svg: string, width: number, height: number) => Uint8Array;

export interface RasterOptions {
  /** What turns an SVG document into premultiplied RGBA; tests wrap it to count resvg's work. */
  renderPixels?: PixelRenderer;
  /**
   * The request's signal: a client that went away stops the render before its next strip (a
   * 5000 px code is about 25 strips and seconds of CPU nobody would read).
   */
  signal?: AbortSignal;
}

/**
 * Rasterizes a styled plan into a PNG, strip by strip. resvg draws only shapes, in flat key
 * colours (its gradient shader was half of its time), plus a centre icon in its own small frame
 * (an uploaded logo is decoded once and sampled here); colours and gradients are applied here in
 * one pass per pixel. Measured on a 500 px styled code, this is about twice as fast as resvg
 * drawing the full SVG and encoding its PNG.
 */
export async function rasterizePlan(plan: RenderPlan, options: RasterOptions = {}): Promise<Uint8Array> {
  await ensureRaster();
  const render = options.renderPixels ?? renderPixels;
  const { size } = plan;
  const keySvg = renderKeySvg(plan);
  const samplers = samplersFor(plan);
  const frame = imageFrame(plan);
  const logo = frame ? logoSampler(plan, frame, render) : null;
  const stripRows = Math.max(1, Math.min(size, Math.floor(STRIP_BYTES / (size * 4))));
  const logoBand = logo && frame ? new Uint8Array(Math.min(stripRows, frame.height) * frame.width * 4) : null;
  const rgb = new Uint8Array(stripRows * size * 3);
  const png = new RgbPngStream(size, size);
  try {
    for (let top = 0; top < size; top += stripRows) {
      options.signal?.throwIfAborted();
      const rows = Math.min(stripRows, size - top);
      // resvg anti-aliases the last rows of a canvas differently (measured: up to 7 rows from the
      // edge), so each strip is drawn with a margin of rows on both sides that is thrown away.
      const renderTop = Math.max(0, top - STRIP_OVERLAP);
      const renderBottom = Math.min(size, top + rows + STRIP_OVERLAP);
      const renderRows = renderBottom - renderTop;
      const key = render(renderRows === size ? keySvg : stripOf(keySvg, size, renderTop, renderRows), size, renderRows);
      paintStrip(key.subarray((top - renderTop) * size * 4), samplers, size, top, rows, rgb);
      release(key);
      if (frame) {
        const from = Math.max(top, frame.y);
        const to = Math.min(top + rows, frame.y + frame.height);
        if (to > from && logo) overlayImage(rgb, size, top, frame, from, to, logo.sampler.band(from - frame.y, to - frame.y, logoBand!));
        else if (to > from) {
          // Icons are vector shapes, cheap to draw again: each strip draws its part, with the same
          // spare rows as the key so no seam shows where strips meet.
          const imageTop = Math.max(frame.y, from - STRIP_OVERLAP);
          const imageBottom = Math.min(frame.y + frame.height, to + STRIP_OVERLAP);
          const iconSvg = renderImageSvg(plan, { x: frame.x, y: imageTop, width: frame.width, height: imageBottom - imageTop });
          if (iconSvg) {
            const icon = render(iconSvg, frame.width, imageBottom - imageTop);
            overlayImage(rgb, size, top, frame, from, to, icon.subarray((from - imageTop) * frame.width * 4));
            release(icon);
          }
        }
      }
      png.writeRgb(rgb, rows);
      // Yielding a task between strips lets other requests on the isolate run meanwhile, and the
      // garbage collector reclaim what each strip leaves besides its pixels (run back to back, a
      // 5000 px render peaked 30 MB higher before strips were released).
      if (top + rows < size) await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } finally {
    if (logo) release(logo.pixels);
  }
  return png.finish();
}
