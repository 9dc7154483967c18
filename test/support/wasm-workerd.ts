/**
 * workerd loader: runtime compilation of wasm bytes is not allowed, so the .wasm files are
 * imported as modules. The vitest-plugin / wrangler module rules turn `*.wasm` imports into
 * `CompiledWasm` modules whose default export is a `WebAssembly.Module`.
 * Only ever imported (dynamically) by decode.ts when running inside workerd.
 */
import resvgWasm from "@resvg/resvg-wasm/index_bg.wasm";
import zxingWasm from "zxing-wasm/reader/zxing_reader.wasm";
import type { HarnessWasm } from "./wasm-types";

export async function loadWasm(): Promise<HarnessWasm> {
  // zxing-wasm's package types describe the .wasm export as a file path string (for esbuild's
  // file loader); under wrangler / the vitest plugin it is really a compiled WebAssembly.Module.
  const zxing = zxingWasm as unknown;
  const resvg = resvgWasm as unknown;
  if (!(zxing instanceof WebAssembly.Module) || !(resvg instanceof WebAssembly.Module)) {
    throw new TypeError(
      `decode harness: expected .wasm imports to be WebAssembly.Module, got zxing=${typeof zxing}, resvg=${typeof resvg}`,
    );
  }
  return { zxing, resvg };
}
