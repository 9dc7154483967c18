// The engine in the browser (issue 17, the designer's preview): src/qr/browser.ts bundled for
// the browser by esbuild (no Node built-ins; frames' caption layout split into a chunk loaded only
// for a framed design), loaded in Debian's Chromium from a local static server, must draw every
// design byte for byte as the Worker's `POST /qr_codes/{id}/download {"format":"svg"}` answers it
// (a real `wrangler dev`). A few browser-drawn SVGs are rasterized by resvg in Node and decoded to
// the code's dynamic URL. The redraw time of a version-10 styled code is measured and written to
// test-artifacts/engine-in-browser.json (reported, never asserted: no test depends on timing).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleBrowserEngine, type EngineBundle, loadEngine, measureRedraw, serveBrowserEngine, VERSION_10_STYLED } from "../../bench/browser-engine";
import { type LocalWorker, startLocalWorker } from "../../bench/http/worker";
import { BROWSER_TESTS_RUN, launchChromium } from "../support/chromium";
import { decodeSvg } from "../support/decode";
import { encodePngFixture } from "../support/png-fixtures";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ARTIFACTS = join(ROOT, "test-artifacts");

const LOGO = encodePngFixture({ width: 64, height: 64, colorType: 2, bitDepth: 8, pixel: (x, y) => (Math.hypot(x - 31.5, y - 31.5) < 24 ? [14, 116, 144] : [253, 224, 71]) });

const DOTS = ["square", "dots", "classy-rounded"] as const;
/** The corners left to the dots' shape, or drawn as asked (relaxed, so "universal" does not redraw them). */
const CORNERS = [
  { name: "plain corners", appearance: {} },
  { name: "extra-rounded/dot corners, relaxed", appearance: { cornersSquareOptionsType: "extra-rounded", cornersDotOptionsType: "dot", cornersSquareOptionsColor: "#7c2d12", scannability: "relaxed" } },
] as const;
const GRADIENTS = [
  { name: "solid", appearance: {} },
  {
    name: "gradients",
    appearance: {
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
    },
  },
] as const;
const LOGOS = ["no logo", "built-in icon", "uploaded logo"] as const;
const FRAMES = [
  { name: "no frame", appearance: {} },
  { name: "banner-bottom SCAN ME", appearance: { frameStyle: "banner-bottom", frameText: "SCAN ME", frameColor: "#111827" } },
  { name: "bubble, right-to-left", appearance: { frameStyle: "bubble", frameText: "امسح الرمز", frameColor: "#14532d" } },
] as const;
const SIZES = [300, 640] as const;

interface Design {
  name: string;
  id: string;
  dynamicUrl: string;
  /** as the API answers it: complete */
  appearance: Appearance;
  logo: "none" | "bytes" | "data-url";
}

/** What the test calls of the bundled entry, typed from the source it was built from. */
type Engine = typeof import("../../src/qr/browser");
type Appearance = import("../../src/qr/browser").Appearance;

interface BrowserAnswer {
  svg: string | null;
  summary: string;
  problem: { code: string; message: string; words: string } | null;
}

async function send(worker: LocalWorker, path: string, token: string, init: { method?: string; json?: unknown; form?: FormData } = {}): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (init.json !== undefined) headers["Content-Type"] = "application/json";
  return fetch(worker.baseUrl + path, { method: init.method ?? "POST", headers, body: init.form ?? (init.json === undefined ? undefined : JSON.stringify(init.json)) });
}

async function sendJson(worker: LocalWorker, path: string, token: string, init: { method?: string; json?: unknown; form?: FormData } = {}) {
  const response = await send(worker, path, token, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as Record<string, any>;
}

/** Draws designs in the page with the bundled engine; logos go in as a data: URL or as bytes. */
async function renderInPage(page: Page, jobs: { content: string; appearance: Appearance; size: number; logo: string | null; asBytes: boolean }[]): Promise<BrowserAnswer[]> {
  return page.evaluate(async (jobs) => {
    const engine = (window as unknown as { engine: Engine }).engine;
    const out: BrowserAnswer[] = [];
    for (const job of jobs) {
      let logo: string | Uint8Array | null = job.logo;
      if (logo && job.asBytes) logo = Uint8Array.from(atob(logo.split(",")[1]!), (c) => c.charCodeAt(0));
      const preview = await engine.renderDesign({ content: job.content, appearance: job.appearance, size: job.size, logo, frameTextWasm: "/resvg.wasm" });
      out.push({ svg: preview.svg, summary: preview.summary, problem: preview.problem });
    }
    return out;
  }, jobs);
}

describe.skipIf(!BROWSER_TESTS_RUN)("the engine in Chromium draws what the Worker downloads", () => {
  let worker: LocalWorker | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let server: { origin: string; close(): void } | undefined;
  let outdir = "";
  let key = "";
  let logoDataUrl = "";
  let bundle: EngineBundle | undefined;
  const designs: Design[] = [];
  const report: Record<string, unknown> = {};

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), "edge-qr-engine-"));
    bundle = await bundleBrowserEngine(outdir);
    // The entry's graph: no zod, no PNG writer or rasterizer (a Node built-in would have failed the build).
    expect(bundle.inputs.filter((f) => /node_modules\/zod|src\/qr\/(png|raster|deflate|appearance)\.ts$/.test(f))).toEqual([]);
    server = await serveBrowserEngine(outdir);

    worker = await startLocalWorker();
    const org = await sendJson(worker, "/admin/organizations", worker.adminToken, { json: { name: "Engine in the browser" } });
    key = (await sendJson(worker, `/admin/organizations/${org.id}/api-keys`, worker.adminToken, { json: { name: "engine", role: "read-write", actions: ["qr:ReadQrCode", "qr:WriteQrCode"] } })).secret as string;
    const form = new FormData();
    form.append("purpose", "logo");
    form.append("file", new Blob([LOGO as Uint8Array<ArrayBuffer>]), "logo.png");
    const logoId = (await sendJson(worker, "/files", key, { form })).id as string;
    // The bytes the Worker stores (an upload may be scaled), fetched as the console would.
    const stored = new Uint8Array(await (await fetch(`${worker.baseUrl}/files/${logoId}`)).arrayBuffer());
    logoDataUrl = `data:image/png;base64,${Buffer.from(stored).toString("base64")}`;

    let n = 0;
    for (const dots of DOTS)
      for (const corners of CORNERS)
        for (const gradient of GRADIENTS)
          for (const logo of LOGOS)
            for (const frame of FRAMES) {
              const name = `${dots} dots, ${corners.name}, ${gradient.name}, ${logo}, ${frame.name}`;
              const appearance = {
                dotsOptionsType: dots,
                ...corners.appearance,
                ...gradient.appearance,
                ...(logo === "built-in icon" ? { predefinedImage: "link" } : logo === "uploaded logo" ? { uploadedImage: logoId, qrOptionsErrorCorrectionLevel: "H" } : {}),
                ...frame.appearance,
              };
              const code = await sendJson(worker, "/qr_codes", key, { json: { name, type: "url", content: { url: `https://example.com/menu/${n++}` }, appearance } });
              designs.push({ name, id: code.id, dynamicUrl: code.attributes.dynamicUrl, appearance: code.appearance, logo: logo !== "uploaded logo" ? "none" : n % 2 ? "bytes" : "data-url" });
            }

    browser = await launchChromium();
    page = await browser.newPage();
    // Loaded by the page itself (a module script), as the console's bundle would load it.
    await loadEngine(page, server.origin);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    server?.close();
    if (outdir) rmSync(outdir, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, "engine-in-browser.json"), `${JSON.stringify({ ...report, bundle: bundle && { ...bundle, inputs: bundle.inputs.length } }, null, 2)}\n`);
  }, 60_000);

  it(`every design of ${DOTS.length} dot types x ${CORNERS.length} corners x ${GRADIENTS.length} paints x ${LOGOS.length} logos x ${FRAMES.length} frames x ${SIZES.length} sizes equals the download, byte for byte`, async () => {
    const jobs = designs.flatMap((d) =>
      SIZES.map((size) => ({ design: d, size, job: { content: d.dynamicUrl, appearance: d.appearance, size, logo: d.logo === "none" ? null : logoDataUrl, asBytes: d.logo === "bytes" } })),
    );
    const answers = await renderInPage(page!, jobs.map((j) => j.job));
    let drawn = 0;
    let refused = 0;
    for (const [i, { design, size }] of jobs.entries()) {
      const response = await send(worker!, `/qr_codes/${design.id}/download`, key, { json: { format: "svg", size } });
      const body = await response.text();
      const answer = answers[i]!;
      if (response.status === 400) {
        // The download refuses (a logo or caption that does not fit this size): so does the preview, in words.
        refused++;
        expect(answer.svg, `${design.name} at ${size} px: the download refused it (${body})`).toBeNull();
        expect(answer.problem?.words.length).toBeGreaterThan(0);
        continue;
      }
      expect(response.status, body).toBe(200);
      expect(answer.svg === body, `${design.name} at ${size} px: the browser's SVG differs from the download's`).toBe(true);
      drawn++;
    }
    report.designs = { compared: jobs.length, identical: drawn, refusedByBoth: refused };
    expect(drawn).toBeGreaterThan(jobs.length * 0.9);
  }, 300_000);

  it("browser-drawn SVGs decode to the code's dynamic URL", async () => {
    const picks = [
      designs.find((d) => d.name === "square dots, plain corners, solid, no logo, no frame")!,
      designs.find((d) => d.name === "classy-rounded dots, plain corners, gradients, built-in icon, banner-bottom SCAN ME")!,
      designs.find((d) => d.name === "dots dots, plain corners, solid, uploaded logo, bubble, right-to-left")!,
    ];
    const answers = await renderInPage(page!, picks.map((d) => ({ content: d.dynamicUrl, appearance: d.appearance, size: 640, logo: d.logo === "none" ? null : logoDataUrl, asBytes: false })));
    for (const [i, design] of picks.entries()) {
      expect(answers[i]!.svg, design.name).not.toBeNull();
      const decoded = await decodeSvg(answers[i]!.svg!, 640);
      expect(decoded.zxing, design.name).toEqual([design.dynamicUrl]);
      expect(decoded.jsqr, design.name).toBe(design.dynamicUrl);
    }
  }, 120_000);

  it("says what is wrong in words, and which decoders read the design", async () => {
    const base = designs.find((d) => d.name === "square dots, plain corners, solid, no logo, no frame")!.appearance;
    const [tooLarge, relaxed, fine] = await renderInPage(page!, [
      { content: "https://example.com/r/abc", appearance: { ...base, uploadedImage: "x", imageOptionsImageSize: 1, qrOptionsErrorCorrectionLevel: "Q" }, size: 300, logo: logoDataUrl, asBytes: true },
      { content: "https://example.com/r/abc", appearance: { ...base, scannability: "relaxed", cornersSquareOptionsType: "dot" }, size: 300, logo: null, asBytes: false },
      { content: "https://example.com/r/abc", appearance: base, size: 300, logo: null, asBytes: false },
    ]);
    expect(tooLarge!.svg).toBeNull();
    expect(tooLarge!.problem!.code).toBe("IMAGE_TOO_LARGE");
    // The download raises a logo's level on its own (Q, then H): the words say H was tried too.
    expect(tooLarge!.problem!.words).toMatch(/^The logo is too large even at level H \(raised from Q\): shrink it to \d+% or less$/);
    expect(relaxed!.summary).toMatch(/may not read in .*quirc/);
    expect(fine!.summary).toBe("Reads in every decoder we test (ZXing, jsQR, ZBar, quirc)");
  }, 60_000);

  it("redraws a version-10 styled code (median reported, not asserted)", async () => {
    const base = designs.find((d) => d.name === "square dots, plain corners, solid, no logo, no frame")!.appearance;
    const timing = await measureRedraw(page!, { ...base, ...VERSION_10_STYLED, dotsOptionsGradientColorStops: [...VERSION_10_STYLED.dotsOptionsGradientColorStops], backgroundOptionsGradientColorStops: [...VERSION_10_STYLED.backgroundOptionsGradientColorStops] }, 200);
    expect(timing.version).toBe(10);
    report.redraw = timing;
    console.log(
      `engine in Chromium: version-10 styled redraw median ${timing.medianMs.toFixed(2)} ms (p90 ${timing.p90Ms.toFixed(2)} ms, ${timing.runs} runs at ${timing.size} px); ` +
        `bundle gzip ${bundle!.initialGzip} B initial, +${bundle!.framesGzip} B and ${bundle!.wasmGzip} B of WebAssembly for frames`,
    );
  }, 120_000);
});
