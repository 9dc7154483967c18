/**
 * The SVG renderers of other programs, for the SVG portability test (test/unit/svg-portability.test.ts):
 * librsvg's `rsvg-convert` (GNOME's renderer, behind most Linux viewers, thumbnailers and
 * converters; Debian package librsvg2-bin) and Inkscape (the open-source editor; package inkscape).
 * Neither shares code with resvg, which draws our PNGs, so the three agreeing on a picture is
 * evidence that the SVG means the same thing to any reader, not just to the one we ship.
 *
 * Node only (they are processes). A program that is not on PATH is skipped with one console note,
 * like zbarimg in the decode harness, except in CI (CI=true), where a check that silently does not
 * run is not a check: there `toolRuns` answers true and the test fails when it calls the program.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { flatten, readPngWithPngjs, type RgbaImage } from "./decode";

export type RasterTool = "rsvg-convert" | "inkscape";

const PACKAGE: Record<RasterTool, string> = { "rsvg-convert": "librsvg2-bin", inkscape: "inkscape" };
const IN_CI = process.env.CI === "true";
const installed = new Map<RasterTool, boolean>();

function isInstalled(tool: RasterTool): boolean {
  let found = installed.get(tool);
  if (found === undefined) {
    found = spawnSync(tool, ["--version"], { stdio: "ignore" }).status === 0;
    installed.set(tool, found);
    if (!found && !IN_CI)
      console.warn(`svg portability: ${tool} is not on PATH, so its comparison is skipped (apt-get install ${PACKAGE[tool]}); with CI=true this is a failure`);
  }
  return found;
}

/** Whether the tests that use `tool` run here: always in CI (where a missing program fails them), else when it is installed. */
export function toolRuns(tool: RasterTool): boolean {
  return isInstalled(tool) || IN_CI;
}

function requireTool(tool: RasterTool): void {
  if (!isInstalled(tool)) throw new Error(`CI=true and ${tool} is not on PATH: install Debian's ${PACKAGE[tool]} (.ci/run does when it runs as root)`);
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${command} failed (${error.code ?? error.message}): ${String(stderr).slice(0, 2000)}`)) : resolve(),
    ),
  );
}

let directory: string | undefined;
function workDirectory(): string {
  directory ??= mkdtempSync(join(tmpdir(), "svg-portability-"));
  return directory;
}
let files = 0;

/** rsvg-convert's picture of `svg`, `size` px square (one process per document; it writes one PNG per call). */
export async function rasterizeWithRsvg(svg: string, size: number): Promise<RgbaImage> {
  requireTool("rsvg-convert");
  const base = join(workDirectory(), `rsvg-${files++}`);
  writeFileSync(`${base}.svg`, svg);
  try {
    await run("rsvg-convert", ["--width", String(size), "--height", String(size), "--format", "png", "--output", `${base}.png`, `${base}.svg`]);
    return readPngWithPngjs(readFileSync(`${base}.png`));
  } finally {
    rmSync(`${base}.svg`, { force: true });
    rmSync(`${base}.png`, { force: true });
  }
}

/**
 * Inkscape's pictures of several documents, each `size` px square, from one Inkscape process: it
 * takes about 0.4 s to start and then some 50 ms a document (measured, 300-400 px), so the test
 * hands it every document of one size at once. --export-area-page exports the SVG's own canvas
 * (not the bounding box of what is drawn); Inkscape names each PNG after its SVG.
 */
export async function rasterizeWithInkscape(svgs: readonly string[], size: number): Promise<RgbaImage[]> {
  requireTool("inkscape");
  if (svgs.length === 0) return [];
  const batch = mkdtempSync(join(workDirectory(), "inkscape-"));
  try {
    const inputs = svgs.map((svg, i) => {
      const file = join(batch, `${i}.svg`);
      writeFileSync(file, svg);
      return file;
    });
    await run("inkscape", ["--export-type=png", "--export-area-page", `--export-width=${size}`, `--export-height=${size}`, ...inputs]);
    return inputs.map((file) => readPngWithPngjs(readFileSync(file.replace(/\.svg$/, ".png"))));
  } finally {
    rmSync(batch, { recursive: true, force: true });
  }
}

export interface PixelDifference {
  /** share of pixels (0-1) that differ: see pixelDifference */
  share: number;
  /** how many pixels that is */
  pixels: number;
  width: number;
  height: number;
}

/**
 * How two rasters of the same picture differ, both composited onto white first (as a viewer or
 * a printer shows them; resvg's pixels are premultiplied, the PNGs' straight). A pixel of one
 * differs when every pixel within `reach` pixels of it in the other (a square window) differs
 * from it by more than `threshold` levels on some channel, looked at from both sides. The window
 * is for edges: renderers place an anti-aliased edge or a resampled logo's boundary up to a pixel
 * apart, which is not a different picture; a module, a logo or a gradient that is not there is
 * wrong inside as well as at its edge, and stays counted.
 */
export function pixelDifference(a: RgbaImage, b: RgbaImage, threshold: number, reach = 1): PixelDifference {
  if (a.width !== b.width || a.height !== b.height) throw new RangeError(`rasters differ in size: ${a.width}x${a.height} and ${b.width}x${b.height}`);
  const { width, height } = a;
  const pa = flatten(a);
  const pb = flatten(b);
  const near = (p: Uint8ClampedArray, q: Uint8ClampedArray, x: number, y: number): boolean => {
    const i = (y * width + x) * 4;
    for (let yy = Math.max(0, y - reach); yy <= Math.min(height - 1, y + reach); yy++)
      for (let xx = Math.max(0, x - reach); xx <= Math.min(width - 1, x + reach); xx++) {
        const j = (yy * width + xx) * 4;
        if (Math.abs(p[i]! - q[j]!) <= threshold && Math.abs(p[i + 1]! - q[j + 1]!) <= threshold && Math.abs(p[i + 2]! - q[j + 2]!) <= threshold) return true;
      }
    return false;
  };
  let pixels = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) if (!near(pa, pb, x, y) || !near(pb, pa, x, y)) pixels++;
  return { share: pixels / (width * height), pixels, width, height };
}
