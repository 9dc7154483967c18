/**
 * Node loader: reads the .wasm files from node_modules (never a CDN) and compiles them.
 * Only ever imported (dynamically) by decode.ts when running outside workerd.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { HarnessWasm } from "./wasm-types";

const require = createRequire(import.meta.url);

// The project's type environment is workerd's, which (rightly) omits WebAssembly.compile.
const { compile: compileBytes } = WebAssembly as unknown as {
  compile(bytes: Uint8Array): Promise<WebAssembly.Module>;
};

async function compile(specifier: string): Promise<WebAssembly.Module> {
  return compileBytes(await readFile(require.resolve(specifier)));
}

export async function loadWasm(): Promise<HarnessWasm> {
  const [zxing, resvg] = await Promise.all([
    compile("zxing-wasm/reader/zxing_reader.wasm"),
    compile("@resvg/resvg-wasm/index_bg.wasm"),
  ]);
  return { zxing, resvg };
}
