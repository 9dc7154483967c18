import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { configureRaster } from "../../src/qr";

// Under Node the rasterizer gets the .wasm file's bytes; the Worker bundle imports it as a module.
const require = createRequire(import.meta.url);
configureRaster(() => readFileSync(require.resolve("@resvg/resvg-wasm/index_bg.wasm")));
