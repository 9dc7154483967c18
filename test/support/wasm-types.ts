/**
 * The compiled WebAssembly modules the decode harness needs. Each environment-specific loader
 * (wasm-node.ts for Node, wasm-workerd.ts for workerd) produces one of these.
 *
 * Both are already-compiled `WebAssembly.Module`s: workerd forbids compiling wasm from bytes at
 * runtime, so the harness only ever *instantiates* modules, which works the same everywhere.
 */
export interface HarnessWasm {
  /** zxing-wasm v3 reader build (Emscripten): `zxing-wasm/reader/zxing_reader.wasm`. */
  zxing: WebAssembly.Module;
  /** resvg-wasm (wasm-bindgen): `@resvg/resvg-wasm/index_bg.wasm`. */
  resvg: WebAssembly.Module;
}
