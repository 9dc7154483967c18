// The console's designer in a real browser: Debian's Chromium through playwright-core against
// `wrangler dev` (the console built into its assets by wrangler's [build] step). The preview is
// drawn in the page by the engine bundled into the console (src/qr/browser.ts), so it must equal
// POST /qr_codes/{id}/download {"format":"svg"} byte for byte, framed designs included (resvg's
// WebAssembly under the console's CSP); the PNG downloaded from the designer decodes to the code's
// short link; the verdict names what is wrong in words; the appearance JSON round-trips; axe finds
// nothing serious at phone and desktop widths. Screenshots go to test-artifacts/console/designer-*.png.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../../bench/http/worker";
import { BROWSER_TESTS_RUN, launchChromium } from "../support/chromium";
import { expectScans } from "../support/decode";
import { encodePngFixture } from "../support/png-fixtures";
import { seriousAxeViolations } from "./axe-scan";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/console/", import.meta.url));
const PASSWORD = "correct horse battery staple";
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } } as const;

interface Code {
  id: string;
  name: string;
  attributes: { dynamicUrl: string };
  appearance: Record<string, unknown>;
}

async function call(worker: LocalWorker, token: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(worker.baseUrl + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function json(worker: LocalWorker, token: string, method: string, path: string, body?: unknown) {
  const response = await call(worker, token, method, path, body);
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as Record<string, any>;
}

/** What the page reported that a person would never see: script errors, CSP violations, other origins. */
function watch(page: Page, origin: string) {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    // Refusals the tests provoke (400, 412) and the 401 of GET /session before sign-in are logged as failed resources.
    if (message.type() === "error" && !/Failed to load resource: the server responded with a status of (400|401|412)/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:")) problems.push(`request to another origin: ${url}`);
  });
  return problems;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `designer-${name}.png`), fullPage: true });

describe.skipIf(!BROWSER_TESTS_RUN)("the console's designer in Chromium", () => {
  let worker: LocalWorker | undefined;
  let browser: Browser | undefined;
  let email: string;
  let key: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    worker = await startLocalWorker();
    browser = await launchChromium();
    const orgId = (await json(worker, worker.adminToken, "POST", "/admin/organizations", { name: "Designer test" })).id as string;
    email = `designer-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const { user } = await json(worker, worker.adminToken, "POST", `/admin/organizations/${orgId}/users`, { name: "A designer", email });
    await json(worker, worker.adminToken, "PUT", `/admin/users/${user.id}/console-role`, { role: "editor" });
    await json(worker, worker.adminToken, "PUT", `/admin/users/${user.id}/password`, { password: PASSWORD });
    key = (await json(worker, worker.adminToken, "POST", `/admin/organizations/${orgId}/api-keys`, { name: "designer seed", role: "read-write", actions: ["qr:ReadQrCode", "qr:WriteQrCode"] })).secret as string;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  });

  /** A url code of this test's own, created through the API. */
  const createCode = async (name: string, appearance: Record<string, unknown> = {}) =>
    (await json(worker!, key, "POST", "/qr_codes", { name, type: "url", content: { url: `https://example.com/${encodeURIComponent(name)}` }, appearance })) as Code;

  const downloadSvg = async (id: string, size = 300) => {
    const response = await call(worker!, key, "POST", `/qr_codes/${id}/download`, { format: "svg", size });
    expect(response.status).toBe(200);
    return response.text();
  };

  /** Signs in and opens the designer of `code`, its first preview drawn. */
  async function openDesigner(code: Code, viewport: keyof typeof VIEWPORTS = "desktop"): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser!.newContext({ viewport: VIEWPORTS[viewport], baseURL: worker!.baseUrl, acceptDownloads: true });
    const page = await context.newPage();
    const problems = watch(page, worker!.baseUrl);
    // Any CSP violation (a blocked WebAssembly compile, a style, a connection) is recorded by the page.
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener("securitypolicyviolation", (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
    });
    await page.goto("/console/");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Codes", level: 1 }).waitFor();
    await page.goto(`/console/#/codes/${code.id}/design`);
    await page.getByRole("heading", { name: `Design: ${code.name}`, level: 1 }).waitFor();
    await settled(page);
    return { context, page, problems };
  }

  /** Waits until the preview shows the design as it is now (no draw pending). */
  const settled = (page: Page) => page.locator('figure.designer-preview[aria-busy="false"]').waitFor();
  /** The preview's SVG, exactly as the engine returned it (the image is a data: URL of it). */
  const previewSvg = async (page: Page) => {
    await settled(page);
    const src = (await page.locator("img[data-preview]").getAttribute("src"))!;
    return decodeURIComponent(src.replace(/^data:image\/svg\+xml;charset=utf-8,/, ""));
  };
  const verdict = (page: Page) => page.locator(".verdict");
  const cspViolations = (page: Page) => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);

  async function save(page: Page) {
    await page.getByRole("button", { name: "Save design" }).click();
    await page.getByText("Saved. Downloads now draw this design.").waitFor();
  }

  it("follows a change of dot style, and the preview is the download byte for byte once saved, at any size", async () => {
    const code = await createCode("Designed poster");
    const { context, page, problems } = await openDesigner(code);
    const before = await previewSvg(page);
    expect(before).toBe(await downloadSvg(code.id));
    expect(await verdict(page).textContent()).toBe("Reads in every decoder we test (ZXing, jsQR, ZBar, quirc)");
    await shot(page, "desktop-initial");

    await page.getByLabel("Dot style", { exact: true }).selectOption("dots");
    await expect.poll(() => previewSvg(page)).not.toBe(before);
    const changed = await previewSvg(page);
    // Leaving with unsaved changes asks first; once saved it does not.
    const leavingAsks = () => page.evaluate(() => !dispatchEvent(new Event("beforeunload", { cancelable: true })));
    expect(await leavingAsks()).toBe(true);
    await save(page);
    expect(await leavingAsks()).toBe(false);
    expect(await downloadSvg(code.id)).toBe(changed);

    // Another size draws another image, and it is still the download's.
    await page.getByLabel("Size (pixels)").fill("512");
    await expect.poll(async () => (await previewSvg(page)) !== changed).toBe(true);
    expect(await previewSvg(page)).toBe(await downloadSvg(code.id, 512));
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it("previews a static code (Wi-Fi) from its payload, as the download draws it", async () => {
    const code = (await json(worker!, key, "POST", "/qr_codes", { name: "Guest Wi-Fi", type: "wifi", content: { ssid: "Café guests", password: "espresso;2024", encryption: "WPA" } })) as Code;
    const { context, page, problems } = await openDesigner(code);
    expect(await previewSvg(page)).toBe(await downloadSvg(code.id));
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it("works by keyboard alone, with a visible focus ring", async () => {
    const code = await createCode("Keyboard design");
    const { context, page, problems } = await openDesigner(code);
    const before = await previewSvg(page);
    const focused = () => page.evaluate(() => ({ id: document.activeElement?.id ?? "", outline: getComputedStyle(document.activeElement!).outlineStyle }));
    for (let i = 0; i < 60 && (await focused()).id !== "design-dotsOptionsType"; i++) await page.keyboard.press("Tab");
    const onDotStyle = await focused();
    expect(onDotStyle.id).toBe("design-dotsOptionsType");
    expect(onDotStyle.outline).not.toBe("none");
    await page.keyboard.press("ArrowDown");
    await expect.poll(async () => (await previewSvg(page)) !== before).toBe(true);
    // Enter in a field submits the options: the design is saved.
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    expect((await focused()).id).toBe("design-dotsOptionsColor");
    await page.keyboard.press("Enter");
    await page.getByText("Saved. Downloads now draw this design.").waitFor();
    expect(await downloadSvg(code.id)).toBe(await previewSvg(page));
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it("refuses to overwrite a design someone else saved meanwhile (If-Match), and says so", async () => {
    const code = await createCode("Shared poster");
    const { context, page, problems } = await openDesigner(code);
    const theirs = await fetch(`${worker!.baseUrl}/qr_codes/${code.id}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/merge-patch+json" },
      body: JSON.stringify({ appearance: { dotsOptionsColor: "#14532d" } }),
    });
    expect(theirs.status).toBe(200);
    await page.getByLabel("Dot style", { exact: true }).selectOption("classy");
    await page.getByRole("button", { name: "Save design" }).click();
    await page.getByRole("alert").getByText("Someone changed this code since you opened it", { exact: false }).waitFor();
    const stored = (await json(worker!, key, "GET", `/qr_codes/${code.id}`)).appearance;
    expect(stored.dotsOptionsColor).toBe("#14532d");
    expect(stored.dotsOptionsType).toBe("square");
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it("draws a framed design under the console's CSP (resvg's WebAssembly loads), as the download does", async () => {
    const code = await createCode("Framed menu");
    const { context, page, problems } = await openDesigner(code);
    const plain = await previewSvg(page);
    await page.getByLabel("Frame style").selectOption("banner-bottom");
    expect(await page.getByLabel("Frame text", { exact: true }).inputValue()).toBe("SCAN ME");
    await expect.poll(async () => (await previewSvg(page)) !== plain, { timeout: 30_000 }).toBe(true);
    expect(await verdict(page).textContent()).not.toMatch(/could not|cannot/);
    await shot(page, "framed");
    const framed = await previewSvg(page);
    await save(page);
    expect(await downloadSvg(code.id)).toBe(framed);
    expect(await cspViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it("downloads the PNG from the designer, and it decodes to the code's short link", async () => {
    const code = await createCode("Downloaded flyer", { dotsOptionsType: "rounded", dotsOptionsColor: "#1e3a8a" });
    const { context, page, problems } = await openDesigner(code);
    await page.getByLabel("Format", { exact: true }).selectOption("png");
    await page.getByLabel("Size (pixels)").fill("600");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download PNG" }).click()]);
    // Named as the download route names it (the exact name from Content-Disposition's filename*).
    expect(download.suggestedFilename()).toBe("Downloaded flyer.png");
    const path = join(tmpdir(), `designer-${crypto.randomUUID()}.png`);
    await download.saveAs(path);
    const png = new Uint8Array(readFileSync(path));
    expect([...png.subarray(1, 4)].map((b) => String.fromCharCode(b)).join("")).toBe("PNG");
    // ZXing, jsQR, quirc, and ZBar where zbarimg is installed.
    await expectScans(png, code.attributes.dynamicUrl);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it("uploads a logo and draws it as the download does once saved", async () => {
    const code = await createCode("With our logo", { qrOptionsErrorCorrectionLevel: "H" });
    const { context, page, problems } = await openDesigner(code);
    const plain = await previewSvg(page);
    const logo = encodePngFixture({ width: 64, height: 64, colorType: 2, bitDepth: 8, pixel: (x, y) => (Math.hypot(x - 31.5, y - 31.5) < 24 ? [14, 116, 144] : [253, 224, 71]) });
    await page.getByLabel("Your logo (PNG, JPEG or WebP)").setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: Buffer.from(logo) });
    await page.getByText("Uploaded logo.png").waitFor();
    // The preview fetches the stored bytes (GET /files/{id}) and draws them.
    await expect.poll(async () => (await previewSvg(page)) !== plain, { timeout: 30_000 }).toBe(true);
    const withLogo = await previewSvg(page);
    expect(withLogo).toContain("<image");
    await save(page);
    expect(await downloadSvg(code.id)).toBe(withLogo);
    await shot(page, "logo");
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it("says in words when a logo is too large or a colour too light, at the control that sets it", async () => {
    const code = await createCode("Too bold");
    const { context, page, problems } = await openDesigner(code);
    await page.getByLabel("Link", { exact: true }).check();
    await page.getByLabel("Image size").fill("1");
    await expect.poll(() => verdict(page).textContent()).toMatch(/^The logo is too large/);
    expect(await page.locator("#design-imageOptionsImageSize-error").textContent()).toMatch(/^The logo is too large/);
    expect(await page.getByLabel("Image size").getAttribute("aria-invalid")).toBe("true");
    await shot(page, "logo-too-large");

    await page.getByLabel("Image size").fill("0.3");
    await expect.poll(() => verdict(page).textContent()).toMatch(/^Reads in every decoder/);
    await page.getByLabel("Dots colour", { exact: true }).fill("#eeeeee");
    await expect.poll(() => verdict(page).textContent()).toMatch(/^The dots' colour is too close to the background/);
    expect(await page.locator("#design-dotsOptionsColor-error").textContent()).toMatch(/too close to the background/);
    await shot(page, "low-contrast");
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it("exports the appearance as JSON and imports it back; an import the API refuses shows why at the field", async () => {
    const code = await createCode("Round trip", { dotsOptionsType: "classy", dotsOptionsColor: "#7c2d12", cornersSquareOptionsType: "extra-rounded" });
    const { context, page, problems } = await openDesigner(code);
    const [exported] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export appearance JSON" }).click()]);
    expect(exported.suggestedFilename()).toBe("round-trip-appearance.json");
    const file = join(tmpdir(), `designer-${crypto.randomUUID()}.json`);
    await exported.saveAs(file);
    const appearance = JSON.parse(readFileSync(file, "utf8"));
    expect(appearance).toEqual(code.appearance);

    // Restyle and save, then import the file: the code has its first design again.
    await page.getByRole("button", { name: "Rounded blue" }).click();
    await save(page);
    expect((await json(worker!, key, "GET", `/qr_codes/${code.id}`)).appearance.dotsOptionsType).toBe("rounded");
    await page.getByLabel("Import appearance JSON").setInputFiles(file);
    await page.getByText("Imported").waitFor();
    expect((await json(worker!, key, "GET", `/qr_codes/${code.id}`)).appearance).toEqual(code.appearance);
    expect(await page.getByLabel("Dot style", { exact: true }).inputValue()).toBe("classy");
    expect(await previewSvg(page)).toBe(await downloadSvg(code.id));

    // A file the API refuses: nothing is saved, and the violation is shown at its control.
    const bad = join(tmpdir(), `designer-${crypto.randomUUID()}.json`);
    writeFileSync(bad, JSON.stringify({ ...appearance, dotsOptionsType: "hexagon" }));
    await page.getByLabel("Import appearance JSON").setInputFiles(bad);
    await page.locator("#design-dotsOptionsType-error").waitFor();
    expect(await page.getByLabel("Dot style", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByRole("alert").textContent()).toContain("not saved");
    expect((await json(worker!, key, "GET", `/qr_codes/${code.id}`)).appearance).toEqual(code.appearance);
    await shot(page, "import-refused");
    expect(problems.filter((p) => !p.includes("status of 400"))).toEqual([]);
    await context.close();
  }, 120_000);

  for (const viewport of ["phone", "desktop"] as const) {
    it(`passes axe-core at ${viewport} width, the options ${viewport === "phone" ? "under" : "beside"} the preview`, async () => {
      const code = await createCode(`Axe ${viewport}`, { frameStyle: "caption", frameText: "Menu", dotsOptionsGradientType: "linear", dotsOptionsGradientColorStops: [{ offset: 0, color: "#0f172a" }, { offset: 1, color: "#1d4ed8" }] });
      const { context, page, problems } = await openDesigner(code, viewport);
      const preview = (await page.locator("figure.designer-preview").boundingBox())!;
      const options = (await page.locator("#designer-form").boundingBox())!;
      if (viewport === "phone") expect(options.y).toBeGreaterThanOrEqual(preview.y + preview.height);
      else expect(options.x).toBeGreaterThanOrEqual(preview.x + preview.width);
      // Nothing wider than the screen on a phone.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(VIEWPORTS[viewport].width);
      await shot(page, viewport);
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(await cspViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
      await context.close();
    }, 120_000);
  }
});
