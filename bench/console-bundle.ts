// The console's first load: the JavaScript a browser fetches before the sign-in screen can draw
// (index.html's module script and the chunks it preloads), gzip level 9, from the build
// scripts/build-console.mjs makes. The reference page (Scalar, /docs) is left out: it is its own
// page. Screens loaded later (analytics with uPlot, the designer with the engine) are left out
// too: they are fetched when opened, and the engine's own budget is in bench/browser-engine.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
// @ts-expect-error: a plain ES module script, untyped
import { buildConsole } from "../scripts/build-console.mjs";

const DIST = fileURLToPath(new URL("../console/dist", import.meta.url));

/**
 * 40 KB gzip: over a slow mobile link (400 kbit/s, "slow 3G") that is under a second of transfer
 * for the code list to appear, beside the document and the stylesheet; Preact, the router, the
 * API client and every code and settings screen take 18 KB today, so the budget leaves room for the
 * screens to grow without letting a framework or a chart library slip into the first load.
 */
export const CONSOLE_INITIAL_JS_BUDGET_GZIP = 40 * 1024;

export interface ConsoleBundleFigures {
  /** gzip bytes of the first load's JavaScript */
  initialGzip: number;
  files: string[];
}

export function consoleBundleBench(): ConsoleBundleFigures {
  buildConsole({ quiet: true });
  const html = readFileSync(join(DIST, "console/index.html"), "utf8");
  const files = [...html.matchAll(/<script[^>]*\bsrc="([^"]+\.js)"|<link[^>]*rel="modulepreload"[^>]*href="([^"]+\.js)"/g)].map((m) => (m[1] ?? m[2])!);
  const initialGzip = files.reduce((sum, file) => sum + gzipSync(readFileSync(join(DIST, file)), { level: 9 }).length, 0);
  return { initialGzip, files };
}

export function consoleBundleTargets(figures: ConsoleBundleFigures): { target: string; pass: boolean | null; value: string }[] {
  return [
    {
      target: `console: the first load's JavaScript is at most ${CONSOLE_INITIAL_JS_BUDGET_GZIP / 1024} KB gzip (the reference page and screens loaded on demand aside)`,
      pass: figures.files.length > 0 && figures.initialGzip <= CONSOLE_INITIAL_JS_BUDGET_GZIP,
      value: `${(figures.initialGzip / 1024).toFixed(1)} KB in ${figures.files.length} file${figures.files.length === 1 ? "" : "s"}`,
    },
  ];
}
