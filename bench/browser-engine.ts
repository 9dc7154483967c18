// The engine in the browser (src/qr/browser.ts, the console designer's preview): how much
// JavaScript it adds to the console's first load, what a framed design fetches on top, and how
// long a redraw of a version-10 styled code takes in Chromium (Debian's, via playwright-core).
// The bundling and the static server are shared with test/browser/engine-in-browser.test.ts,
// which holds the same bundle byte for byte to the Worker's downloads.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import type { Page } from "playwright-core";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const RESVG_WASM = createRequire(import.meta.url).resolve("@resvg/resvg-wasm/index_bg.wasm");

export interface EngineBundle {
  /** gzip (level 9) bytes of the entry and the chunks it imports statically: what the designer loads */
  initialGzip: number;
  /** gzip bytes of the chunks loaded on the first framed design (resvg's glue, the caption layout and the font) */
  framesGzip: number;
  /** gzip bytes of resvg's WebAssembly, fetched with the frame chunks */
  wasmGzip: number;
  /** source files the bundle holds, relative to the repository */
  inputs: string[];
}

/**
 * Bundles src/qr/browser.ts for the browser into `outdir`, code-split as Vite splits it: a Node
 * built-in anywhere on the path fails the build (platform "browser").
 */
export async function bundleBrowserEngine(outdir: string): Promise<EngineBundle> {
  const result = await build({
    entryPoints: [join(ROOT, "src/qr/browser.ts")],
    absWorkingDir: ROOT,
    bundle: true,
    format: "esm",
    platform: "browser",
    splitting: true,
    minify: true,
    target: "es2022",
    outdir,
    metafile: true,
    logLevel: "silent",
  });
  const outputs = result.metafile.outputs;
  const gz = (file: string) => gzipSync(readFileSync(join(ROOT, file)), { level: 9 }).length;
  const entry = Object.keys(outputs).find((f) => outputs[f]!.entryPoint === "src/qr/browser.ts")!;
  const reach = (from: string, kinds: readonly string[], seen = new Set<string>([from])): Set<string> => {
    for (const imported of outputs[from]!.imports)
      if (kinds.includes(imported.kind) && !seen.has(imported.path)) {
        seen.add(imported.path);
        reach(imported.path, kinds, seen);
      }
    return seen;
  };
  const initial = reach(entry, ["import-statement"]);
  const all = reach(entry, ["import-statement", "dynamic-import"]);
  const sum = (files: Iterable<string>) => [...files].reduce((n, f) => n + gz(f), 0);
  return {
    initialGzip: sum(initial),
    framesGzip: sum([...all].filter((f) => !initial.has(f))),
    wasmGzip: gzipSync(readFileSync(RESVG_WASM), { level: 9 }).length,
    inputs: Object.keys(result.metafile.inputs),
  };
}

const MEDIA: Record<string, string> = { ".js": "text/javascript", ".html": "text/html", ".wasm": "application/wasm" };

/** Serves the bundle, a blank page at / and resvg's WebAssembly at /resvg.wasm on a loopback port. */
export function serveBrowserEngine(dir: string): Promise<{ origin: string; close(): void }> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    try {
      const body =
        path === "/"
          ? Buffer.from("<!doctype html><title>engine</title>")
          : path === "/resvg.wasm"
            ? readFileSync(RESVG_WASM)
            : readFileSync(join(dir, path.replace(/\.\./g, "").replace(/^\/+/, "")));
      response.writeHead(200, { "Content-Type": MEDIA[path === "/" ? ".html" : extname(path)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() })),
  );
}

/** Loads the served bundle into the page as a module script, as window.engine. */
export async function loadEngine(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/`);
  await page.addScriptTag({ type: "module", content: `import * as engine from "/browser.js"; window.engine = engine;` });
  await page.waitForFunction(() => "engine" in window);
}

type Engine = typeof import("../src/qr/browser");

/** A version-10 styled design: rounded dots, shaped corners drawn as asked, linear and radial gradients. */
export const VERSION_10_STYLED = {
  qrOptionsTypeNumber: 10,
  dotsOptionsType: "classy-rounded",
  cornersSquareOptionsType: "extra-rounded",
  cornersDotOptionsType: "dot",
  scannability: "relaxed",
  dotsOptionsGradientType: "linear",
  dotsOptionsGradientRotation: 0.7,
  dotsOptionsGradientColorStops: [
    { offset: 0, color: "#0f172a" },
    { offset: 1, color: "#1d4ed8" },
  ],
  backgroundOptionsGradientType: "radial",
  backgroundOptionsGradientColorStops: [
    { offset: 0, color: "#ffffff" },
    { offset: 1, color: "#e0f2fe" },
  ],
} as const;

export interface RedrawFigures {
  version: number | undefined;
  medianMs: number;
  p90Ms: number;
  runs: number;
  size: number;
}

/**
 * Median time of renderDesign for `appearance` (complete) in the page, each redraw with a new
 * gradient rotation as a slider would send it. Timed in the page (performance.now), after a warm-up.
 */
export async function measureRedraw(page: Page, appearance: import("../src/qr/browser").Appearance, runs: number, size = 300): Promise<RedrawFigures> {
  return page.evaluate(
    async ({ appearance, runs, size }) => {
      const engine = (window as unknown as { engine: Engine }).engine;
      const request = { content: "https://example.com/r/redraw", appearance, size };
      const first = await engine.renderDesign(request);
      for (let i = 0; i < 20; i++) await engine.renderDesign(request);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        await engine.renderDesign({ ...request, appearance: { ...appearance, dotsOptionsGradientRotation: i / runs } });
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      return { version: first.symbol?.version, medianMs: times[runs >> 1]!, p90Ms: times[Math.floor(runs * 0.9)]!, runs, size };
    },
    { appearance, runs, size },
  );
}

export interface BrowserEngineFigures {
  bundle: Omit<EngineBundle, "inputs">;
  redraw: RedrawFigures;
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** The bench case: null with a reason when there is no Chromium here. */
export async function browserEngineBench(): Promise<BrowserEngineFigures | { notMeasured: string }> {
  if (!existsSync(CHROMIUM)) return { notMeasured: `no Chromium at ${CHROMIUM}` };
  const [{ chromium }, { AppearanceSchema }] = await Promise.all([import("playwright-core"), import("../src/qr")]);
  const outdir = mkdtempSync(join(tmpdir(), "edge-qr-engine-bench-"));
  const { inputs: _inputs, ...bundle } = await bundleBrowserEngine(outdir);
  const served = await serveBrowserEngine(outdir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    await loadEngine(page, served.origin);
    const redraw = await measureRedraw(page, AppearanceSchema.parse(VERSION_10_STYLED), 300);
    return { bundle, redraw };
  } finally {
    await browser.close();
    served.close();
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Budgets: see each target's text for why. */
export const REDRAW_BUDGET_MS = 16;
export const INITIAL_ENGINE_BUDGET_GZIP = 32 * 1024;

export function browserEngineTargets(figures: BrowserEngineFigures | { notMeasured: string }): { target: string; pass: boolean | null; value: string }[] {
  const redrawTarget = `designer preview: a version-10 styled code redrawn in Chromium in under ${REDRAW_BUDGET_MS} ms (median; one frame at 60 Hz, so the preview follows a slider)`;
  const sizeTarget = `designer preview: the engine adds at most ${INITIAL_ENGINE_BUDGET_GZIP / 1024} KB gzip to the console's first load (frames' layout, font and WebAssembly load only for a framed design)`;
  if ("notMeasured" in figures)
    return [
      { target: redrawTarget, pass: null, value: figures.notMeasured },
      { target: sizeTarget, pass: null, value: figures.notMeasured },
    ];
  const { bundle, redraw } = figures;
  return [
    {
      target: redrawTarget,
      pass: redraw.version === 10 && redraw.medianMs < REDRAW_BUDGET_MS,
      value: `${redraw.medianMs.toFixed(2)} ms median, ${redraw.p90Ms.toFixed(2)} ms p90 over ${redraw.runs} redraws at ${redraw.size} px (version ${redraw.version})`,
    },
    {
      target: sizeTarget,
      pass: bundle.initialGzip <= INITIAL_ENGINE_BUDGET_GZIP,
      value: `${(bundle.initialGzip / 1024).toFixed(1)} KB initial; a framed design fetches ${(bundle.framesGzip / 1024).toFixed(1)} KB more and the ${(bundle.wasmGzip / 1024).toFixed(0)} KB WebAssembly`,
    },
  ];
}
