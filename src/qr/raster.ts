import { initWasm, Resvg } from "@resvg/resvg-wasm";
import { QrError } from "./errors";
import { RgbPngStream } from "./png";

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

async function ensureRaster(): Promise<void> {
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
 */
export const STRIP_BYTES = 4 * 1024 * 1024;

const SVG_HEADER = /^<svg ([^>]*?)width="(\d+)" height="(\d+)" viewBox="0 0 \d+ \d+"/;

/**
 * The same document framed to rows [top, top + rows): resvg then allocates and fills only the
 * strip. (Its `crop` option renders the whole frame first and cuts afterwards, which measured as
 * slow as a full render per strip.)
 */
function stripOf(svg: string, size: number, top: number, rows: number): string {
  return svg.replace(SVG_HEADER, (_m, attributes: string) => `<svg ${attributes}width="${size}" height="${rows}" viewBox="0 ${top} ${size} ${rows}"`);
}

/** Rasterizes one of our SVG documents (`size` x `size`) into a PNG, strip by strip. */
export async function rasterizeSvg(svg: string, size: number): Promise<Uint8Array> {
  await ensureRaster();
  const header = SVG_HEADER.exec(svg);
  if (!header || Number(header[2]) !== size || Number(header[3]) !== size) throw new Error("rasterizeSvg expects a square SVG from renderSvg of the same size");
  const stripRows = Math.max(1, Math.min(size, Math.floor(STRIP_BYTES / (size * 4))));
  const png = new RgbPngStream(size, size);
  for (let top = 0; top < size; top += stripRows) {
    const rows = Math.min(stripRows, size - top);
    const renderer = new Resvg(rows === size ? svg : stripOf(svg, size, top, rows), { font: { loadSystemFonts: false } });
    try {
      const image = renderer.render();
      try {
        if (image.width !== size || image.height !== rows) throw new Error(`strip rendered as ${image.width}x${image.height}, expected ${size}x${rows}`);
        await png.writeRgba(image.pixels, rows);
      } finally {
        image.free();
      }
    } finally {
      renderer.free();
    }
  }
  return png.finish();
}
