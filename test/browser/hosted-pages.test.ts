// Hosted pages in a real browser: Debian's Chromium driven by playwright-core (no browser
// download), against a real local Worker (`wrangler dev`, its own state in a temporary directory).
// Each hosted type is opened at a phone viewport; the page must raise no CSP violation and no
// console error, and load nothing from another origin. Every type, and the 404 page, is then
// scanned by axe-core at phone (390 px) and desktop (1280 px) widths: no serious or critical
// violation. Screenshots go to test-artifacts/pages/.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../../bench/http/worker";
import { seriousAxeViolations } from "./axe-scan";
import { BROWSER_TESTS_RUN, launchChromium } from "../support/chromium";
import { wavFixture } from "../support/media-fixtures";
import { encodePngFixture } from "../support/png-fixtures";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/pages/", import.meta.url));


const HOSTILE = ["<script>alert(1)</script>", `"><img src=x onerror=alert(1)>`, "javascript:alert(1)", "\u202Egnp.exe\u202C invoice"];

const LOGO = encodePngFixture({ width: 64, height: 64, colorType: 2, bitDepth: 8, pixel: (x, y) => (Math.hypot(x - 31.5, y - 31.5) < 24 ? [14, 116, 144] : [253, 224, 71]) });
/** Wider than any card (stored at 1024 x 256): it must shrink to the card, aspect kept. */
const BANNER = encodePngFixture({ width: 1200, height: 300, colorType: 2, bitDepth: 8, filter: () => 0, pixel: (x) => (Math.floor(x / 100) % 2 ? [14, 116, 144] : [240, 249, 255]) });


async function send(worker: LocalWorker, path: string, token: string, init: { method?: string; json?: unknown; form?: FormData } = {}) {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (init.json !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(worker.baseUrl + path, { method: init.method ?? "POST", headers, body: init.form ?? (init.json === undefined ? undefined : JSON.stringify(init.json)) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as Record<string, any>;
}

interface Seeded {
  type: string;
  token: string;
}

async function seed(worker: LocalWorker): Promise<Seeded[]> {
  const org = await send(worker, "/admin/organizations", worker.adminToken, { json: { name: "Browser test" } });
  const key = (await send(worker, `/admin/organizations/${org.id}/api-keys`, worker.adminToken, { json: { name: "browser", role: "read-write", actions: ["qr:ReadQrCode", "qr:WriteQrCode"] } })).secret as string;
  const upload = async (purpose: string, name: string, bytes: Uint8Array) => {
    const form = new FormData();
    form.append("purpose", purpose);
    form.append("file", new Blob([bytes as Uint8Array<ArrayBuffer>]), name);
    return (await send(worker, "/files", key, { form })).id as string;
  };
  const image = await upload("logo", "logo.png", LOGO);
  const banner = await upload("logo", "banner.png", BANNER);
  const pdf = await upload("file", "menu.pdf", new TextEncoder().encode("%PDF-1.4\n%%EOF\n"));
  const audio = await upload("audio", "jingle.wav", wavFixture(8000));
  const codes: [string, Record<string, unknown>][] = [
    [
      "text",
      {
        name: HOSTILE[0],
        image,
        publicFilePath: pdf,
        text: `${HOSTILE.join("\n")}\n${"W".repeat(9_000)}`,
        hostedPageBackgroundColor: "#1e293b",
        hostedPagePrimaryColor: "#fde047",
      },
    ],
    [
      "links",
      {
        name: HOSTILE[3],
        image: "https://remote.example/never-loaded.png",
        links: [
          { url: "https://example.com/shop", name: HOSTILE[1], image },
          { url: "https://example.com/blog", name: "Blog" },
          { url: "https://example.com/x", name: "L".repeat(255) },
        ],
        hostedPagePrimaryColor: "#7c3aed",
      },
    ],
    ["audio", { fileName: audio, name: "Our jingle", image, hostedPageBackgroundColor: "#fef3c7" }],
    [
      "event",
      {
        name: `Launch; party, ${HOSTILE[0]}`,
        eventType: "Conference",
        startDate: "2026-12-10T18:00:00+02:00",
        endDate: "2026-12-10T21:30:00+02:00",
        location: HOSTILE[3],
        description: HOSTILE.join("\n"),
        image: banner,
      },
    ],
    ["vcard", { firstName: "Ada", lastName: HOSTILE[3], organisation: HOSTILE[1], jobTitle: "Engineer", tel: "+44 20 7946 0000", email: "ada@example.com", url: "https://ada.example", city: "London", country: "UK", note: HOSTILE.join("\n") }],
  ];
  const seeded: Seeded[] = [];
  for (const [type, content] of codes) {
    const code = await send(worker, "/qr_codes", key, { json: { name: `${type} page`, type, content } });
    seeded.push({ type, token: code.metadata.shortToken as string });
  }
  return seeded;
}

describe.skipIf(!BROWSER_TESTS_RUN)("hosted pages in Chromium at a phone viewport", () => {
  let worker: LocalWorker | undefined;
  let browser: Browser | undefined;
  let codes: Seeded[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    worker = await startLocalWorker();
    codes = await seed(worker);
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  }, 60_000);

  for (const type of ["text", "links", "audio", "event", "vcard"]) {
    it(`${type}: no CSP violation, no console error, nothing from another origin`, async () => {
      const { token } = codes.find((c) => c.type === type)!;
      const origin = worker!.baseUrl;
      // A visitor in New York reading French: the event's time must be rewritten for them.
      const context = await browser!.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "fr-FR", timezoneId: "America/New_York" });
      await context.addInitScript(() => {
        const seen: string[] = [];
        (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
        document.addEventListener("securitypolicyviolation", (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
      });
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error" || /Content.Security.Policy/i.test(message.text())) errors.push(`console.${message.type()}: ${message.text()}`);
      });
      page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
      page.on("dialog", (dialog) => {
        errors.push(`dialog: ${dialog.message()}`);
        void dialog.dismiss();
      });
      page.on("request", (request) => requests.push(request.url()));
      page.on("response", (res) => {
        if (res.status() >= 400) errors.push(`HTTP ${res.status()}: ${res.url()}`);
      });
      page.on("requestfailed", (request) => errors.push(`requestfailed: ${request.url()} ${request.failure()?.errorText}`));

      const response = await page.goto(`${origin}/p/${token}`, { waitUntil: "load" });
      expect(response?.status()).toBe(200);
      if (type === "audio") await page.waitForFunction(() => (document.querySelector("audio")?.readyState ?? 0) >= 1, undefined, { timeout: 10_000 });
      await page.waitForTimeout(200);

      const violations = await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
      expect(violations).toEqual([]);
      expect(errors).toEqual([]);
      expect(requests.length).toBeGreaterThan(0);
      for (const url of requests) expect(new URL(url).origin, url).toBe(origin);
      // Stylesheet applied (not blocked), and no sideways scrolling even with 10,000-character words.
      expect(await page.evaluate(() => getComputedStyle(document.querySelector("main")!).maxWidth)).toBe("576px");
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      // Hostile strings are text: nothing ran, no element was injected.
      expect(await page.evaluate(() => document.querySelectorAll("img[onerror], body script").length)).toBe(0);

      if (type === "text") {
        // The theme rule passed the CSP: white text on the dark background.
        expect(await page.evaluate(() => getComputedStyle(document.body).color)).toBe("rgb(255, 255, 255)");
        expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(30, 41, 59)");
        expect(await page.evaluate(() => (document.querySelector("img.hero") as HTMLImageElement).naturalWidth)).toBe(64);
        // The primary colour is what the page opens on: the masthead is yellow, its title black.
        const masthead = await page.evaluate(() => {
          const header = document.querySelector("main > header")!;
          const box = header.getBoundingClientRect();
          return { background: getComputedStyle(header).backgroundColor, title: getComputedStyle(header.querySelector("h1")!).color, width: box.width, height: box.height };
        });
        expect(masthead).toMatchObject({ background: "rgb(253, 224, 71)", title: "rgb(0, 0, 0)" });
        expect(masthead.width).toBe(390);
        expect(masthead.height).toBeGreaterThan(100);
        // A 64 px logo is shown at 64 px, square: never stretched into a banner.
        const hero = await page.evaluate(() => {
          const img = document.querySelector("img.hero") as HTMLImageElement;
          const box = img.getBoundingClientRect();
          return { width: box.width, height: box.height, natural: img.naturalWidth };
        });
        expect(hero).toEqual({ width: 64, height: 64, natural: 64 });
      }
      if (type === "event") {
        // A banner wider than the card shrinks to the card's width and keeps its 4:1 shape.
        const hero = await page.evaluate(() => {
          const img = document.querySelector("img.hero") as HTMLImageElement;
          const box = img.getBoundingClientRect();
          return { width: box.width, height: box.height, natural: img.naturalWidth, naturalHeight: img.naturalHeight, card: document.querySelector("main")!.getBoundingClientRect().width };
        });
        expect(hero.natural).toBe(1024);
        expect(hero.width).toBeLessThan(hero.card);
        expect(hero.width).toBeGreaterThan(hero.card * 0.75);
        expect(hero.width / hero.height).toBeCloseTo(hero.natural / hero.naturalHeight, 1);
      }
      expect(await seriousAxeViolations(page)).toEqual([]);
      if (type === "links") expect(requests.some((url) => url.includes("remote.example"))).toBe(false);
      if (type === "event") {
        // The locale script ran: French text in New York time (18:00+02:00 is 11:00 there).
        const times = await page.$$eval("time[data-local]", (nodes) => nodes.map((n) => ({ localized: n.getAttribute("data-localized"), text: n.textContent ?? "" })));
        expect(times).toHaveLength(2);
        for (const t of times) expect(t.localized).toBe("true");
        expect(times[0]!.text).toMatch(/jeudi 10 décembre 2026/);
        expect(times[0]!.text).toMatch(/11:00/);
        expect(times[0]!.text).not.toMatch(/UTC\+02:00/);
      }

      const file = join(ARTIFACTS, `${type}-390.png`);
      await page.screenshot({ path: file, fullPage: type !== "text" });
      console.log(`screenshot: ${file}`);
      await context.close();
    }, 60_000);
  }

  for (const type of ["text", "links", "audio", "event", "vcard", "not-found"]) {
    it(`${type} at 1280 px: a centred card, axe finds nothing serious`, async () => {
      const path = type === "not-found" ? "/p/short" : `/p/${codes.find((c) => c.type === type)!.token}`;
      const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const response = await page.goto(`${worker!.baseUrl}${path}`, { waitUntil: "load" });
      expect(response?.status()).toBe(type === "not-found" ? 404 : 200);
      const card = await page.evaluate(() => document.querySelector("main")!.getBoundingClientRect());
      expect(card.width).toBe(576);
      expect(Math.abs(card.left + card.width / 2 - 640)).toBeLessThanOrEqual(1);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
      if (type === "text") {
        const hero = await page.evaluate(() => (document.querySelector("img.hero") as HTMLImageElement).getBoundingClientRect().width);
        expect(hero).toBe(64);
      }
      expect(await seriousAxeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, `${type}-1280.png`), fullPage: type !== "text" });
      if (type === "not-found") {
        // The phone view of the 404 page too (the hosted types are scanned at 390 px above).
        await page.setViewportSize({ width: 390, height: 844 });
        expect(await seriousAxeViolations(page)).toEqual([]);
        await page.screenshot({ path: join(ARTIFACTS, `${type}-390.png`) });
      }
      await context.close();
    }, 60_000);
  }
});
