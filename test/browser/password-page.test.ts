// The password page of a protected code (issue 19 part 3) in a real browser: Debian's Chromium
// driven by playwright-core (no browser download), against a real local Worker (`wrangler dev`),
// as hosted-pages.test.ts drives the hosted pages. A person scans, meets the page, types a wrong
// password and hears why, types the right one and lands on the code's target; the unlock cookie
// then lets the next scan straight through. The target is a server of this test on loopback, so
// the test sees the browser arrive there. Screenshots go to test-artifacts/pages/.
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../../bench/http/worker";
import { seriousAxeViolations } from "./axe-scan";
import { BROWSER_TESTS_RUN, launchChromium } from "../support/chromium";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/pages/", import.meta.url));
const PASSWORD = "correct horse battery";

async function send(worker: LocalWorker, path: string, token: string, json: unknown) {
  const response = await fetch(worker.baseUrl + path, { method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: JSON.stringify(json) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as Record<string, any>;
}

/** The code's target: answers every request with a page naming its path, and remembers them. */
async function startTarget(): Promise<{ server: Server; baseUrl: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((request, response) => {
    seen.push(request.url ?? "");
    response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    response.end(`<!doctype html><html lang="en"><title>Target</title><link rel="icon" href="data:,"><h1>Welcome to ${request.url}</h1></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe.skipIf(!BROWSER_TESTS_RUN)("the password page in Chromium", () => {
  let worker: LocalWorker | undefined;
  let browser: Browser | undefined;
  let target: Awaited<ReturnType<typeof startTarget>> | undefined;
  let token = "";

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    target = await startTarget();
    worker = await startLocalWorker();
    const org = await send(worker, "/admin/organizations", worker.adminToken, { name: "Password page test" });
    const key = (await send(worker, `/admin/organizations/${org.id}/api-keys`, worker.adminToken, { name: "browser", role: "read-write", actions: ["qr:ReadQrCode", "qr:WriteQrCode"] })).secret as string;
    const code = await send(worker, "/qr_codes", key, { name: "Members' menu", type: "url", content: { url: `${target.baseUrl}/menu?table=4` }, password: PASSWORD });
    expect(code.attributes.passwordProtected).toBe(true);
    token = code.metadata.shortToken as string;
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await new Promise((resolve) => target?.server.close(resolve));
  }, 60_000);

  /** What a page raised that a person would never see: CSP violations, script errors. */
  function watch(page: Page): string[] {
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" && !/status of 403/.test(message.text())) errors.push(`console.${message.type()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
    return errors;
  }

  const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? null);

  it("asks for the password, says when it is wrong, lets the right one through, and remembers it", async () => {
    const context = await browser!.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
      document.addEventListener("securitypolicyviolation", (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
    });
    const page = await context.newPage();
    const errors = watch(page);
    const cspViolations = () => page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);

    // The scan: our page, nothing of the code's, the field labelled and focused.
    const first = await page.goto(`${worker!.baseUrl}/r/${token}`, { waitUntil: "load" });
    expect(first?.status()).toBe(403);
    expect(page.url()).toBe(`${worker!.baseUrl}/r/${token}`);
    expect(await page.title()).toBe("This QR code is password protected");
    expect(await page.content()).not.toContain(target!.baseUrl);
    const field = page.getByLabel("Password", { exact: true });
    expect(await field.getAttribute("type")).toBe("password");
    expect(await focusedId(page)).toBe("password");
    expect(await page.getByRole("alert").count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(await cspViolations()).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "password-390.png") });

    // A wrong password: the page again, the error announced and tied to the field.
    await field.fill("not the password");
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), field.press("Enter")]);
    expect(page.url()).toBe(`${worker!.baseUrl}/r/${token}`);
    const alert = page.getByRole("alert");
    expect(await alert.count()).toBe(1);
    expect(await alert.textContent()).toContain("That password is not right");
    const again = page.getByLabel("Password", { exact: true });
    expect(await again.getAttribute("aria-invalid")).toBe("true");
    expect(await again.getAttribute("aria-describedby")).toBe(await alert.getAttribute("id"));
    expect(await focusedId(page)).toBe("password");
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(await cspViolations()).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "password-wrong-390.png") });
    expect(target!.seen).toEqual([]);

    // The right one: through the form's button, on to the code's target.
    await again.fill(PASSWORD);
    // The POST's 303 back to /r and the 302 on to the target are one navigation from the form: the
    // page's CSP form-action must allow the target's origin (it once allowed only 'self').
    await Promise.all([page.waitForURL(`${target!.baseUrl}/**`, { waitUntil: "load" }), page.getByRole("button", { name: "Continue" }).click()]);
    expect(page.url()).toBe(`${target!.baseUrl}/menu?table=4`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Welcome to /menu?table=4");
    expect(target!.seen).toEqual(["/menu?table=4"]);
    const cookies = await context.cookies(worker!.baseUrl);
    expect(cookies.map((c) => c.name)).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });

    // A second scan in the same browser goes straight through: no page, no password.
    const onward: number[] = [];
    page.on("response", (response) => {
      if (response.url().startsWith(worker!.baseUrl)) onward.push(response.status());
    });
    await page.goto(`${worker!.baseUrl}/r/${token}`, { waitUntil: "load" });
    expect(page.url()).toBe(`${target!.baseUrl}/menu?table=4`);
    expect(onward).toEqual([302]);
    expect(target!.seen).toEqual(["/menu?table=4", "/menu?table=4"]);

    expect(errors).toEqual([]);
    await context.close();

    // Another browser holds no cookie: the page again.
    const stranger = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    const other = await stranger.newPage();
    expect((await other.goto(`${worker!.baseUrl}/r/${token}`, { waitUntil: "load" }))?.status()).toBe(403);
    expect(await seriousAxeViolations(other)).toEqual([]);
    await other.screenshot({ path: join(ARTIFACTS, "password-1280.png") });
    await stranger.close();
  }, 120_000);
});
