// The pairing demo page end to end, in a real browser: Debian's Chromium (playwright-core, no
// browser download) against a real local Worker (`wrangler dev`, its own state in a temporary
// directory). The page's QR code is read from a screenshot, confirmed through the API as a phone
// would, and the page must show "Connected" within two seconds. Each state (waiting, connected,
// expired, error) is scanned by axe-core at phone (390 px) and desktop (1280 px) widths: no
// serious or critical violation. Screenshots go to test-artifacts/pages/.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../../bench/http/worker";
import { seriousAxeViolations } from "./axe-scan";
import { BROWSER_TESTS_RUN, launchChromium } from "../support/chromium";
import { decodePng, expectDecoded } from "../support/decode";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/pages/", import.meta.url));

/** The state as it looks on a phone and on a desktop: axe-clean at both widths, a screenshot of each. */
async function checkState(page: Page, state: string) {
  const phone = page.viewportSize()!;
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    expect(await seriousAxeViolations(page), `${state} at ${width} px`).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, `pairing-${state}-${width}.png`) });
  }
  await page.setViewportSize(phone);
}


async function send(worker: LocalWorker, method: string, path: string, body?: unknown) {
  const response = await fetch(worker.baseUrl + path, {
    method,
    headers: { Authorization: `Bearer ${worker.adminToken}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as Record<string, any>;
}

interface Pairing {
  instanceId: string;
  token: string;
  clientToken: string;
}

async function seed(worker: LocalWorker, pauseAfter = 3): Promise<Pairing> {
  const org = await send(worker, "POST", "/admin/organizations", { name: "Pairing browser test" });
  const instance = await send(worker, "POST", `/admin/organizations/${org.id}/pairing/instances`, { name: "Browser", pauseAfter });
  const client = await send(worker, "POST", `/admin/organizations/${org.id}/pairing/client-token`);
  return { instanceId: instance.instance.id, token: instance.secret, clientToken: client.secret };
}

/** What a phone camera would read off the page's QR image (every decoder family must agree). */
async function scan(page: Page): Promise<string> {
  const shot = await page.locator("#qr").screenshot();
  const result = await decodePng(new Uint8Array(shot));
  expect(result.zxing).toHaveLength(1);
  expectDecoded(result, result.zxing[0]!);
  return result.zxing[0]!;
}

describe.skipIf(!BROWSER_TESTS_RUN)("pairing demo page in Chromium", () => {
  let worker: LocalWorker;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    worker = await startLocalWorker();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  });

  it("shows a scannable QR, replaces it as it expires, and flips to Connected on its next status poll after a confirmation", async () => {
    const pairing = await seed(worker);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    const foreign: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(worker.baseUrl) && !request.url().startsWith("data:")) foreign.push(request.url());
    });

    const url = `${worker.baseUrl}/instances/${pairing.instanceId}/pair#token=${pairing.token}&clientToken=${pairing.clientToken}`;
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById("pair")?.getAttribute("data-state") === "waiting", null, { timeout: 10_000 });
    const first = await scan(page);
    await checkState(page, "waiting");
    expect(first).toMatch(new RegExp(`^${pairing.instanceId}\\.[A-Za-z0-9_-]{32}$`));

    // The page fetches the next value as this one expires (a value lives 20 seconds on the Worker's
    // clock; the timeout only ends a hung page, a busy machine may take longer).
    await page.waitForFunction((old) => (document.getElementById("qr") as HTMLImageElement).getAttribute("src") !== old, await page.locator("#qr").getAttribute("src"), {
      timeout: 45_000,
    });
    const second = await scan(page);
    expect(second).not.toBe(first);
    const stale = await fetch(`${worker.baseUrl}/pairing/confirm`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ value: first, deviceName: "Late phone" }) });
    expect(stale.status).toBe(410);

    // Counted, not timed: the page polls status once a second, so it must flip on the poll in
    // flight at the confirmation or the one after it, however slow this machine is.
    let confirmedAt: number | null = null;
    let statusPollsSinceConfirmation = 0;
    page.on("request", (request) => {
      if (confirmedAt !== null && new URL(request.url()).pathname.endsWith("/status")) statusPollsSinceConfirmation++;
    });
    const confirmed = await fetch(`${worker.baseUrl}/pairing/confirm`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ value: second, deviceName: "Chromium test phone" }),
    });
    confirmedAt = Date.now();
    expect(confirmed.status).toBe(200);
    await page.waitForFunction(() => document.getElementById("pair")?.getAttribute("data-state") === "connected", null, { timeout: 30_000 });
    const flipped = Date.now() - confirmedAt;
    expect(statusPollsSinceConfirmation).toBeLessThanOrEqual(2);
    expect(await page.locator("#message").textContent()).toBe("Connected");
    expect(await page.locator("#qr").isVisible()).toBe(false);
    // The connected state is designed, not a grey line: the message is a heading-sized line, a
    // green mark says it, and Disconnect is a real (outlined) button in the page's own font.
    const connected = await page.evaluate(() => {
      const style = (selector: string) => getComputedStyle(document.querySelector(selector)!);
      const button = style("#disconnect");
      return {
        buttonFont: button.fontFamily,
        buttonSize: button.fontSize,
        buttonBorder: button.borderTopStyle,
        bodyFont: style("body").fontFamily,
        bodySize: style("body").fontSize,
        messageSize: parseFloat(style("#message").fontSize),
        mark: style(".state-art.connected").display,
      };
    });
    expect(connected.buttonFont).toBe(connected.bodyFont);
    expect(connected.buttonSize).toBe(connected.bodySize);
    expect(connected.buttonBorder).toBe("solid");
    expect(connected.messageSize).toBeGreaterThan(parseFloat(connected.bodySize));
    expect(connected.mark).not.toBe("none");
    expect(await page.locator("#disconnect").isVisible()).toBe(true);
    await checkState(page, "connected");
    console.log(`pairing page: "Connected" ${flipped} ms and ${statusPollsSinceConfirmation} status polls after the confirmation`);

    // Disconnect from the page: a new code appears.
    await page.locator("#disconnect").click();
    await page.waitForFunction(() => document.getElementById("pair")?.getAttribute("data-state") === "waiting", null, { timeout: 5_000 });
    const third = await scan(page);
    expect(third).not.toBe(second);

    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    await context.close();
  }, 120_000);

  it("pauses when codes go unscanned, stops calling the API, and shows a new code on request", async () => {
    const pairing = await seed(worker, 1);
    const page = await browser.newPage();
    const calls: string[] = [];
    page.on("request", (request) => calls.push(new URL(request.url()).pathname));
    await page.goto(`${worker.baseUrl}/instances/${pairing.instanceId}/pair#token=${pairing.token}&clientToken=${pairing.clientToken}`);
    await page.waitForFunction(() => document.getElementById("pair")?.getAttribute("data-state") === "waiting", null, { timeout: 10_000 });
    const first = await scan(page);
    await page.waitForFunction(() => document.getElementById("pair")?.getAttribute("data-state") === "paused", null, { timeout: 45_000 });
    expect(await page.locator("#restart").isVisible()).toBe(true);
    await checkState(page, "expired");
    // Paused: within three seconds at most one status call that was already on its way.
    const before = calls.length;
    await page.waitForTimeout(3_000);
    expect(calls.length - before).toBeLessThanOrEqual(1);

    await page.locator("#restart").click();
    await page.waitForFunction(() => document.getElementById("pair")?.getAttribute("data-state") === "waiting", null, { timeout: 15_000 });
    expect(await scan(page)).not.toBe(first);
    await page.close();
  }, 120_000);

  it("shows the way to open it when the fragment carries no tokens", async () => {
    const pairing = await seed(worker);
    const page = await browser.newPage();
    await page.goto(`${worker.baseUrl}/instances/${pairing.instanceId}/pair`);
    await page.waitForFunction(() => document.getElementById("pair")?.getAttribute("data-state") === "error");
    expect(await page.locator("#message").textContent()).toContain("#token=");
    await checkState(page, "error");
    await page.close();
  });
});
