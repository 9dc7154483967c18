import { initWasm } from "@resvg/resvg-wasm";
import { QrError } from "./errors";

/**
 * Starting resvg's WebAssembly, apart from the rasterizer: frame captions are laid out by resvg
 * too, and the SVG path (which the browser bundle takes) must reach this without the PNG writer
 * and its node:zlib.
 */

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
