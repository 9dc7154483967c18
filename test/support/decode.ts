/**
 * Independent QR decoding harness used by tests to prove that generated images actually scan.
 *
 * Four unrelated decoder families are run on every image:
 *   - zxing-wasm v3 (ZXing-C++ compiled to wasm), QR Code format only, tryHarder;
 *   - jsQR (pure JS port of the original ZXing Java decoder), inversionAttempts "attemptBoth";
 *   - ZBar (zbar-node.ts, the zbarimg CLI), whose sampling grid follows every alignment pattern,
 *     when `zbarimg` is on PATH; without it the ZBar check is skipped, with one console note;
 *   - quirc (quirc-node.ts, the node-quirc native addon), the strictest about finder shapes.
 * None shares any code with our encoder/renderers, so agreement on the exact payload is strong
 * evidence that the image is a valid, scannable QR code.
 *
 * Works in Node (test/unit, browser, sdk, readme) and inside workerd (test/worker): the wasm binaries
 * are obtained by an environment-specific loader (wasm-node.ts / wasm-workerd.ts, picked at runtime by
 * dynamic import), and everything is initialised lazily, once per isolate/process. ZBar and quirc
 * are native code, which workerd cannot run: there the pixels go to the vitest process through the
 * worker project's test-only TEST_DECODERS service binding (decode-service.ts), which runs the same
 * two modules on them.
 */
import { Buffer } from "node:buffer";
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import * as jsqrNs from "jsqr";
import { PNG } from "pngjs";
import { expect } from "vitest";
import { prepareZXingModule, readBarcodes, type ReaderOptions } from "zxing-wasm/reader";
import type { DecodersAnswer } from "./decode-service";
import { decodePngToRgba } from "./png-decode";
import type { HarnessWasm } from "./wasm-types";

export interface DecodeResult {
  /** `text` of every valid QR result zxing found (expect exactly one for a good image). */
  zxing: string[];
  /** jsQR's `.data`, or null when jsQR found nothing. */
  jsqr: string | null;
  /**
   * What zbarimg read (when installed); absent when it found nothing or did not run, so results of
   * blank images look the same everywhere. expectDecoded knows which (zbarChecked).
   */
  zbar?: string;
  /** What quirc read; absent when it found nothing. */
  quirc?: string;
  width: number;
  height: number;
}

/** RGBA, 8 bits per channel, row-major, no padding. */
export interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** true when colour channels are premultiplied by alpha (resvg output); PNG data is straight. */
  premultiplied?: boolean;
}

export interface DecodeOptions {
  /**
   * Colour the image is composited onto before decoding, like a viewer/printer would
   * (the decoders ignore alpha, so transparent pixels would otherwise read as their raw RGB,
   * usually black). Default white.
   */
  background?: readonly [number, number, number];
}

export const isWorkerd = typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers";

// ---------------------------------------------------------------------------------------------
// Lazy, memoised initialisation
// ---------------------------------------------------------------------------------------------

let wasmPromise: Promise<HarnessWasm> | undefined;
function loadWasm(): Promise<HarnessWasm> {
  wasmPromise ??= (isWorkerd ? import("./wasm-workerd") : import("./wasm-node")).then((m) => m.loadWasm());
  wasmPromise.catch(() => (wasmPromise = undefined));
  return wasmPromise;
}

let zxingReady: Promise<void> | undefined;
function initZxing(): Promise<void> {
  zxingReady ??= (async () => {
    const { zxing } = await loadWasm();
    // Emscripten's instantiateWasm hook has no failure callback: if instantiation throws, the
    // factory promise would hang forever. Race it against our own rejection instead.
    let fail!: (e: unknown) => void;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    const ready = prepareZXingModule({
      overrides: {
        // (typed explicitly: @types/emscripten's globals are not in this project's `types`)
        instantiateWasm(imports: WebAssembly.Imports, successCallback: (instance: WebAssembly.Instance) => void) {
          WebAssembly.instantiate(zxing, imports).then((instance) => successCallback(instance), fail);
          return {}; // async instantiation: Emscripten waits for successCallback
        },
      },
      fireImmediately: true,
    });
    await Promise.race([ready, failed]);
  })();
  zxingReady.catch(() => (zxingReady = undefined)); // let a later call retry
  return zxingReady;
}

const RESVG_PROBE = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>';
function resvgIsInitialised(): boolean {
  try {
    new Resvg(RESVG_PROBE).free();
    return true;
  } catch {
    return false; // "Wasm has not been initialized. Call `initWasm()` function."
  }
}

let resvgReady: Promise<void> | undefined;
function initResvg(): Promise<void> {
  resvgReady ??= (async () => {
    // resvg-wasm's initWasm may run only once per isolate, and production code (src/qr/raster.ts)
    // may already have initialised it in the same isolate during worker tests: tolerate both.
    if (resvgIsInitialised()) return;
    const { resvg } = await loadWasm();
    if (resvgIsInitialised()) return;
    try {
      await initWasm(resvg);
    } catch (e) {
      if (!(e instanceof Error && /Already initialized/i.test(e.message))) throw e;
    }
  })();
  resvgReady.catch(() => (resvgReady = undefined)); // let a later call retry
  return resvgReady;
}

// jsqr is a webpack UMD bundle (module.exports = { __esModule, default: jsQR }); depending on the
// CJS interop in use, the default import is either the function or that namespace object.
type JsQR = typeof jsqrNs.default;
function jsQRFn(): JsQR {
  const ns = jsqrNs as unknown as { default: unknown };
  let f: unknown = ns.default;
  if (typeof f !== "function" && f && typeof (f as { default?: unknown }).default === "function") {
    f = (f as { default: unknown }).default;
  }
  if (typeof f !== "function") throw new TypeError("decode harness: could not resolve jsQR function from 'jsqr'");
  return f as JsQR;
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

const ZXING_OPTIONS: ReaderOptions = {
  formats: ["QRCode"],
  tryHarder: true,
  maxNumberOfSymbols: 255,
};

/** Composites RGBA onto an opaque background; returns a new opaque RGBA buffer. */
export function flatten(img: RgbaImage, background: readonly [number, number, number] = [255, 255, 255]): Uint8ClampedArray<ArrayBuffer> {
  const { data, premultiplied = false } = img;
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < data.length; i += 4) {
    const a = data[i + 3]!;
    for (let c = 0; c < 3; c++) {
      const src = data[i + c]!;
      const bg = background[c]!;
      out[i + c] = a === 255 ? src : premultiplied ? src + Math.round((bg * (255 - a)) / 255) : Math.round((src * a + bg * (255 - a)) / 255);
    }
    out[i + 3] = 255;
  }
  return out;
}

/** Runs the decoders on raw RGBA pixels (composited onto `options.background`, default white). */
export async function decodeRgba(img: RgbaImage, options: DecodeOptions = {}): Promise<DecodeResult> {
  const { data, width, height } = img;
  if (data.length !== width * height * 4) {
    throw new RangeError(`decode harness: RGBA buffer is ${data.length} bytes, expected ${width}x${height}x4`);
  }
  const clamped = flatten(img, options.background);
  // ZBar and quirc run outside this thread (a child process, a native addon or, from workerd, the
  // vitest process), so they start first and work while ZXing and jsQR run here.
  const native = decodeWithZbarAndQuirc(clamped, width, height);
  native.catch(() => {}); // awaited below; not an unhandled rejection if ZXing throws first
  await initZxing();
  const imageData = { data: clamped, width, height, colorSpace: "srgb" } as unknown as Parameters<typeof readBarcodes>[0];
  const results = await readBarcodes(imageData, ZXING_OPTIONS);
  const zxing = results.filter((r) => r.isValid).map((r) => r.text);
  const found = jsQRFn()(clamped, width, height, { inversionAttempts: "attemptBoth" });
  const { zbar, quirc } = await native;
  zbarChecked = zbar !== undefined;
  return { zxing, jsqr: found ? found.data : null, ...(zbar != null ? { zbar } : {}), ...(quirc != null ? { quirc } : {}), width, height };
}

/**
 * Set by each decode: true when zbarimg runs (in this process, or in the vitest process behind
 * workerd's service binding), so expectDecoded requires ZBar's answer.
 */
let zbarChecked = false;

/** Families expectDecoded compares on the last decode: ZBar only where zbarimg is installed. */
export function familiesChecked(): string[] {
  return ["zxing", "jsqr", ...(zbarChecked ? ["zbar"] : []), "quirc"];
}

/**
 * The part of `cloudflare:test` the harness uses. The specifier is not a literal, and the type is
 * spelt here, because Node's typecheck (tsconfig.node.json) compiles this file without workers types.
 */
const CLOUDFLARE_TEST = "cloudflare:test";
interface WorkerTestModule {
  env: { TEST_DECODERS: { fetch(url: string, init: RequestInit): Promise<Response> } };
}

/**
 * What ZBar (undefined: zbarimg not installed) and quirc read from opaque RGBA pixels, null for
 * nothing: directly in Node, through the TEST_DECODERS service binding in workerd.
 */
async function decodeWithZbarAndQuirc(rgba: Uint8ClampedArray<ArrayBuffer>, width: number, height: number): Promise<{ zbar: string | null | undefined; quirc: string | null }> {
  if (isWorkerd) {
    const { env } = (await import(/* @vite-ignore */ CLOUDFLARE_TEST)) as WorkerTestModule;
    const response = await env.TEST_DECODERS.fetch(`http://decoders/?width=${width}&height=${height}`, { method: "POST", body: rgba });
    if (!response.ok) throw new Error(`decode harness: the decode service answered ${response.status}: ${await response.text()}`);
    const answer = (await response.json()) as DecodersAnswer;
    return { zbar: answer.zbar, quirc: answer.quirc };
  }
  const [{ decodeWithZbar }, { decodeWithQuirc }] = await Promise.all([import("./zbar-node"), import("./quirc-node")]);
  const [zbar, quirc] = await Promise.all([decodeWithZbar(rgba, width, height), decodeWithQuirc(rgba, width, height)]);
  return { zbar, quirc };
}

/** Decodes a PNG (pngjs in Node, png-decode.ts in workerd → RGBA) and runs the decoders. */
export async function decodePng(png: Uint8Array, options?: DecodeOptions): Promise<DecodeResult> {
  return decodeRgba(readPng(png), options);
}

/** Rasterises an SVG with resvg-wasm at `size` px wide (no system fonts) and runs the decoders. */
export async function decodeSvg(svg: string, size: number, options?: DecodeOptions): Promise<DecodeResult> {
  return decodeRgba(await rasterizeSvg(svg, size), options);
}

/**
 * PNG → straight RGBA. Node uses pngjs. In workerd pngjs's sync reader is broken (its
 * sync-inflate.js calls `zlib.Inflate.call(this)` → "Class constructor Inflate cannot be invoked
 * without 'new'"), so there we use our own strict decoder (png-decode.ts, fflate), which the
 * Node probe test cross-checks against pngjs.
 */
export function readPng(png: Uint8Array): RgbaImage {
  if (isWorkerd) {
    const { data, width, height } = decodePngToRgba(png);
    return { data, width, height };
  }
  return readPngWithPngjs(png);
}

export function readPngWithPngjs(png: Uint8Array): RgbaImage {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const decoded = PNG.sync.read(buf); // always RGBA 8-bit output, alpha kept
  return {
    data: new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength),
    width: decoded.width,
    height: decoded.height,
  };
}

export async function rasterizeSvg(svg: string, size: number): Promise<RgbaImage> {
  await initResvg();
  const resvg = new Resvg(svg, { fitTo: { mode: "width", value: size }, font: { loadSystemFonts: false } });
  try {
    const rendered = resvg.render();
    try {
      // `pixels` is a copy out of wasm memory, so it stays valid after free().
      // resvg (tiny-skia) hands back premultiplied RGBA.
      return { data: rendered.pixels, width: rendered.width, height: rendered.height, premultiplied: true };
    } finally {
      rendered.free();
    }
  } finally {
    resvg.free();
  }
}

// ---------------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------------

function describeResult(r: DecodeResult, expected: string): string {
  const show = (s: string | null) => (s === null ? "null" : `${JSON.stringify(s)} (${s.length} UTF-16 units)`);
  return [
    `QR decode mismatch on ${r.width}x${r.height} image`,
    `  expected: ${show(expected)}`,
    `  zxing:    ${r.zxing.length === 0 ? "(no result)" : r.zxing.map(show).join(" | ")}`,
    `  jsQR:     ${show(r.jsqr)}`,
    `  ZBar:     ${zbarChecked ? show(r.zbar ?? null) : "(not installed)"}`,
    `  quirc:    ${show(r.quirc ?? null)}`,
  ].join("\n");
}

/**
 * Asserts that zxing (exactly one result), jsQR, quirc and, where zbarimg is installed, ZBar decode
 * `result` to exactly `expected`.
 */
export function expectDecoded(result: DecodeResult, expected: string): void {
  const message = describeResult(result, expected);
  expect(result.zxing, message).toEqual([expected]);
  expect(result.jsqr, message).toBe(expected);
  if (zbarChecked) expect(result.zbar, message).toBe(expected);
  expect(result.quirc, message).toBe(expected);
}

export async function expectScans(png: Uint8Array, expected: string, options?: DecodeOptions): Promise<DecodeResult> {
  const result = await decodePng(png, options);
  expectDecoded(result, expected);
  return result;
}

export async function expectSvgScans(
  svg: string,
  size: number,
  expected: string,
  options?: DecodeOptions,
): Promise<DecodeResult> {
  const result = await decodeSvg(svg, size, options);
  expectDecoded(result, expected);
  return result;
}
