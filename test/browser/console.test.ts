// The web console in a real browser: Debian's Chromium through playwright-core against `wrangler
// dev` (its own state in a temporary directory; the console built into its assets by wrangler's
// [build] step). A person signs in, creates, finds, edits and deletes a code, sees the API's
// violations at their fields and does it all by keyboard; the API reference renders under its
// CSP; every screen passes axe-core at phone and desktop widths. Screenshots go to
// test-artifacts/console/.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../../bench/http/worker";
import { BROWSER_TESTS_RUN, launchChromium } from "../support/chromium";
import { seriousAxeViolations } from "./axe-scan";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/console/", import.meta.url));
const PASSWORD = "correct horse battery staple";
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } } as const;

async function admin(worker: LocalWorker, method: string, path: string, body?: unknown) {
  const response = await fetch(worker.baseUrl + path, {
    method,
    headers: { Authorization: `Bearer ${worker.adminToken}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as Record<string, any>;
}

/** A member of `orgId` with `role` who signs in with PASSWORD; the email is unique per call. */
async function seedMember(worker: LocalWorker, orgId: string, role: "owner" | "editor" | "viewer"): Promise<string> {
  const email = `${role}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const { user } = await admin(worker, "POST", `/admin/organizations/${orgId}/users`, { name: `A ${role}`, email });
  await admin(worker, "PUT", `/admin/users/${user.id}/console-role`, { role });
  await admin(worker, "PUT", `/admin/users/${user.id}/password`, { password: PASSWORD });
  return email;
}

/** What the page reported that a person would never see: script errors and CSP violations. */
function watch(page: Page, origin: string) {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    // A 401 from GET /session before sign-in is logged by Chromium as a failed resource: expected.
    if (message.type() === "error" && !/Failed to load resource: the server responded with a status of (401|400|404)/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:")) problems.push(`request to another origin: ${url}`);
  });
  return problems;
}

async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

describe.skipIf(!BROWSER_TESTS_RUN)("the console in Chromium", () => {
  let worker: LocalWorker | undefined;
  let browser: Browser | undefined;
  let email: string;
  let orgId: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    worker = await startLocalWorker();
    browser = await launchChromium();
    orgId = (await admin(worker, "POST", "/admin/organizations", { name: "Console test" })).id;
    email = await seedMember(worker, orgId, "owner");
  });

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  });

  async function openConsole(viewport: keyof typeof VIEWPORTS = "desktop"): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser!.newContext({ viewport: VIEWPORTS[viewport], baseURL: worker!.baseUrl });
    const page = await context.newPage();
    const problems = watch(page, worker!.baseUrl);
    await page.goto("/");
    await expect.poll(() => page.url()).toBe(`${worker!.baseUrl}/console/`);
    return { context, page, problems };
  }

  it("refuses a wrong password, then signs in and out", async () => {
    const { context, page, problems } = await openConsole();
    await signIn(page, email, "not the password at all");
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("Invalid email or password");
    await shot(page, "sign-in-refused");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Codes", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to edge-qr" }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it("says how long to wait once failed sign-ins are limited", async () => {
    const limited = await seedMember(worker!, orgId, "editor");
    const { context, page } = await openConsole();
    const alert = page.getByRole("alert");
    let status = 0;
    for (let attempt = 0; attempt < 10 && status !== 429; attempt++) {
      const answered = page.waitForResponse((r) => new URL(r.url()).pathname === "/session" && r.request().method() === "POST");
      await signIn(page, limited, `wrong password ${attempt}`);
      status = (await answered).status();
    }
    expect(status).toBe(429);
    await expect.poll(async () => (await alert.textContent()) ?? "").toContain("Too many");
    const text = (await alert.textContent()) ?? "";
    expect(text).toMatch(/^Too many failed sign-ins\. Try again in \d+ (minutes|seconds?)\.$/);
    await shot(page, "sign-in-limited");
    // Even the right password waits now.
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === "/session" && r.request().method() === "POST");
    await signIn(page, limited);
    expect((await answered).status()).toBe(429);
    expect(await alert.textContent()).toContain("Too many");
    await context.close();
  });

  it("creates a url code through the form, lists it with its image, edits its target, and deletes it after a confirmation", async () => {
    const { context, page, problems } = await openConsole();
    await signIn(page, email);
    await page.getByRole("link", { name: "New code" }).click();
    await page.getByLabel("Website").check();
    const name = `Spring menu ${crypto.randomUUID().slice(0, 6)}`;
    await page.getByRole("textbox", { name: /^Name/ }).fill(name);
    await page.getByLabel("Web address").fill("https://example.com/spring");
    await shot(page, "code-new");
    await page.getByRole("button", { name: "Create code" }).click();
    await page.getByRole("heading", { name, level: 1 }).waitFor();
    const shortLink = (await page.locator(".code-summary dd a").first().textContent())!;
    expect(shortLink).toMatch(/\/r\/[A-Za-z0-9]+$/);

    // In the list, with its image (drawn by the API) and its scan count.
    await page.getByRole("link", { name: "Codes" }).click();
    const row = page.locator(".code-row", { hasText: name });
    await row.waitFor();
    const thumbnail = row.locator("img.thumb");
    await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    expect(await row.locator(".scan-count").getAttribute("data-scans")).toBe("0");
    await shot(page, "codes-list");

    // Search finds it; a type filter that excludes it hides it.
    await page.getByLabel("Search by name").fill(name);
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => page.locator(".code-row").count()).toBe(1);
    await page.getByLabel("Type").selectOption("wifi");
    await page.getByText("No code matches.").waitFor();
    await page.getByLabel("Type").selectOption("url");
    await row.waitFor();

    // Edit the target: the short link follows.
    await row.getByRole("link", { name }).click();
    await page.getByLabel("Web address").fill("https://example.com/summer");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Saved.").waitFor();
    const redirect = await fetch(shortLink, { redirect: "manual" });
    expect(redirect.status).toBeGreaterThanOrEqual(300);
    expect(redirect.headers.get("Location")).toBe("https://example.com/summer");

    // Delete: a confirmation first; "Keep it" keeps it.
    await page.getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    await shot(page, "code-delete-confirmation");
    await dialog.getByRole("button", { name: "Keep it" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByRole("button", { name: "Delete" }).click();
    await dialog.getByRole("button", { name: "Delete for good" }).click();
    await page.getByRole("heading", { name: "Codes", level: 1 }).waitFor();
    await expect.poll(() => page.locator(".code-row", { hasText: name }).count()).toBe(0);
    expect((await fetch(shortLink, { redirect: "manual" })).status).toBe(404);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("creates a file code with an upload and a static Wi-Fi code through the same form", async () => {
    const { context, page, problems } = await openConsole();
    await signIn(page, email);
    await page.getByRole("link", { name: "New code" }).click();
    await page.getByLabel("File", { exact: true }).check();
    await page.getByRole("textbox", { name: /^Name/ }).fill("Menu PDF");
    await page.locator("#field-fileName").setInputFiles({ name: "menu.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n%%EOF\n") });
    await page.getByText("Uploaded menu.pdf").waitFor();
    await page.getByRole("button", { name: "Create code" }).click();
    await page.getByRole("heading", { name: "Menu PDF", level: 1 }).waitFor();
    const shortLink = (await page.locator(".code-summary dd a").first().textContent())!;
    const redirect = await fetch(shortLink, { redirect: "manual" });
    expect(redirect.headers.get("Location")).toMatch(/\/files\/[0-9a-f]{24}$/);

    await page.getByRole("link", { name: "Codes" }).click();
    await page.getByRole("link", { name: "New code" }).click();
    await page.getByLabel("Wi-Fi", { exact: true }).check();
    await page.getByRole("textbox", { name: /^Name/ }).fill("Guest Wi-Fi");
    await page.getByLabel("Network name (SSID)").fill("Cafe guests");
    await page.getByLabel("Password", { exact: true }).fill("espresso-2026");
    await page.getByLabel("Security").selectOption("WPA");
    await page.getByRole("button", { name: "Create code" }).click();
    await page.getByRole("heading", { name: "Guest Wi-Fi", level: 1 }).waitFor();
    // A static code has no short link; its image encodes the network itself.
    expect(await page.locator(".code-summary").textContent()).not.toContain("/r/");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows the API's violations at their fields", async () => {
    const { context, page, problems } = await openConsole();
    await signIn(page, email);
    await page.getByRole("link", { name: "New code" }).click();
    await page.getByRole("textbox", { name: /^Name/ }).fill("Broken link");
    await page.getByLabel("Web address").fill("ftp://example.com/file");
    await page.getByRole("button", { name: "Create code" }).click();
    const fieldError = page.locator("#field-url-error");
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toMatch(/http/);
    expect(await page.getByLabel("Web address").getAttribute("aria-invalid")).toBe("true");
    // The error is read with the field.
    expect(await page.getByLabel("Web address").getAttribute("aria-describedby")).toContain("field-url-error");
    await shot(page, "code-violation");
    expect(problems.filter((p) => !p.includes("status of 400"))).toEqual([]);
    await context.close();
  });

  it("creates a code with the keyboard alone", async () => {
    const { context, page, problems } = await openConsole();
    await page.getByLabel("Email").focus();
    await page.keyboard.type(email);
    await page.keyboard.press("Tab");
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Codes", level: 1 }).waitFor();

    const focusedText = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? "");
    for (let i = 0; i < 30 && (await focusedText()) !== "New code"; i++) await page.keyboard.press("Tab");
    expect(await focusedText()).toBe("New code");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "New code", level: 1 }).waitFor();

    // The type picker is a radio group: arrow keys choose, Tab leaves it for the name.
    const focusedId = () => page.evaluate(() => document.activeElement?.id ?? "");
    for (let i = 0; i < 30 && (await focusedId()) !== "field-name"; i++) await page.keyboard.press("Tab");
    expect(await focusedId()).toBe("field-name");
    const name = `Keyboard ${crypto.randomUUID().slice(0, 6)}`;
    await page.keyboard.type(name);
    await page.keyboard.press("Tab");
    expect(await focusedId()).toBe("field-url");
    await page.keyboard.type("https://example.com/typed");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name, level: 1 }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it("renders the API reference (Scalar) from this origin with no CSP violation", async () => {
    const { context, page, problems } = await openConsole();
    await page.goto("/docs");
    await page.locator("#api-reference-root, .scalar-app").first().waitFor();
    await expect.poll(() => page.getByText("listQrCodes").or(page.getByText("QR codes").first()).first().isVisible(), { timeout: 30_000 }).toBe(true);
    await shot(page, "reference");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("creates an API key in the settings and shows its secret once", async () => {
    const { context, page, problems } = await openConsole();
    await signIn(page, email);
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
    await page.getByLabel("Key name").fill("Build server");
    await page.getByRole("button", { name: "Create API key" }).click();
    const secret = (await page.locator(".secret-value").textContent())!;
    expect(secret).toMatch(/^zbk_/);
    await page.getByRole("cell", { name: "Build server", exact: true }).waitFor();
    await shot(page, "settings-api-key-created");
    // The key works against the API, and the secret is gone once the screen is left.
    const listed = await fetch(`${worker!.baseUrl}/qr_codes`, { headers: { Authorization: `Bearer ${secret}` } });
    expect(listed.status).toBe(200);
    await page.getByRole("link", { name: "Codes" }).click();
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("cell", { name: "Build server", exact: true }).waitFor();
    expect(await page.content()).not.toContain(secret);
    await page.getByRole("button", { name: "Revoke Build server" }).click();
    await expect.poll(async () => (await fetch(`${worker!.baseUrl}/qr_codes`, { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(401);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("lets a viewer read codes but not create or edit them", async () => {
    const key = (await admin(worker!, "POST", `/admin/organizations/${orgId}/api-keys`, { name: "seed", role: "read-write", actions: ["qr:ReadQrCode", "qr:WriteQrCode"] })).secret as string;
    const created = await fetch(`${worker!.baseUrl}/qr_codes`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "Read me", type: "url", content: { url: "https://example.com/read" } }),
    });
    const code = (await created.json()) as { id: string };
    const viewer = await seedMember(worker!, orgId, "viewer");
    const { context, page, problems } = await openConsole();
    await signIn(page, viewer);
    await page.getByRole("heading", { name: "Codes", level: 1 }).waitFor();
    await page.locator(".code-row", { hasText: "Read me" }).first().waitFor();
    expect(await page.getByRole("link", { name: "New code" }).count()).toBe(0);
    await page.goto(`/console/#/codes/${code.id}`);
    await page.getByText("Your role can read codes but not change them.").waitFor();
    expect(await page.getByRole("button", { name: "Save changes" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Delete" }).count()).toBe(0);
    // The API agrees: the viewer's session cannot write.
    const refused = await page.evaluate(async (id) => (await fetch(`/qr_codes/${id}`, { method: "DELETE" })).status, code.id);
    expect(refused).toBe(403);
    expect(problems.filter((p) => !p.includes("status of 403"))).toEqual([]);
    await context.close();
  });

  it("shows a phone's scan on the code's chart once the queue has written it", async () => {
    const key = (await admin(worker!, "POST", `/admin/organizations/${orgId}/api-keys`, { name: "scans", role: "read-write", actions: ["qr:ReadQrCode", "qr:WriteQrCode"] })).secret as string;
    const created = await fetch(`${worker!.baseUrl}/qr_codes`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "Scanned poster", type: "url", content: { url: "https://example.com/poster" } }),
    });
    const code = (await created.json()) as { id: string; attributes: { dynamicUrl: string } };
    const phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
    expect((await fetch(code.attributes.dynamicUrl, { redirect: "manual", headers: { "User-Agent": phone } })).status).toBe(302);
    // The scan reaches D1 through the queue (batches of up to 5 s locally): wait for the API to count it.
    await expect
      .poll(async () => ((await (await fetch(`${worker!.baseUrl}/qr_codes/${code.id}`, { headers: { Authorization: `Bearer ${key}` } })).json()) as { analytics: { scans: number } }).analytics.scans, { timeout: 60_000, interval: 500 })
      .toBe(1);

    const { context, page, problems } = await openConsole();
    await signIn(page, email);
    await page.locator(".code-row", { hasText: "Scanned poster" }).locator(".scan-count").getByText("1", { exact: true }).waitFor();
    await page.goto(`/console/#/codes/${code.id}/analytics`);
    await page.getByRole("heading", { name: "Analytics: Scanned poster", level: 1 }).waitFor();
    const human = page.locator(".total", { hasText: "Human scans" }).locator("dd");
    await expect.poll(() => human.textContent()).toBe("1");
    await page.locator(".chart canvas").first().waitFor();
    await page.getByText("Scans per day as a table").click();
    const today = new Date().toISOString().slice(0, 10);
    const row = page.getByRole("row", { name: new RegExp(`^${today} 1 `) });
    await row.waitFor();
    await page.getByRole("region", { name: "Devices" }).getByText("mobile").waitFor();
    await shot(page, "code-analytics");
    expect(await seriousAxeViolations(page)).toEqual([]);

    // The organization's view adds it up with every other code.
    await page.getByRole("link", { name: "Analytics" }).click();
    await page.getByRole("heading", { name: "Analytics", level: 1, exact: true }).waitFor();
    await expect.poll(async () => Number(await page.locator(".total", { hasText: "Human scans" }).locator("dd").textContent())).toBeGreaterThanOrEqual(1);
    // One request for the whole organization, which ranks its codes.
    await page.getByRole("region", { name: "Most scanned codes" }).getByRole("link", { name: "Scanned poster" }).waitFor();
    await shot(page, "organization-analytics");
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  for (const viewport of ["phone", "desktop"] as const) {
    it(`passes axe-core on every console screen at ${viewport} width`, async () => {
      const { context, page, problems } = await openConsole(viewport);
      const findings: string[] = [];
      const scan = async (label: string) => {
        await shot(page, `${label}-${viewport}`);
        for (const finding of await seriousAxeViolations(page)) findings.push(`${label}: ${finding}`);
      };
      await page.getByRole("heading", { name: "Sign in to edge-qr" }).waitFor();
      await scan("sign-in");
      await page.goto("/console/#/set-password?token=example");
      await page.getByRole("heading", { name: "Choose your password" }).waitFor();
      await scan("set-password");
      await page.goto("/console/#/sign-in");
      await signIn(page, email);
      await page.getByRole("heading", { name: "Codes", level: 1 }).waitFor();
      await scan("codes");
      await page.getByRole("link", { name: "New code" }).click();
      await page.getByRole("heading", { name: "New code", level: 1 }).waitFor();
      await scan("code-new");
      for (const type of ["Text page", "Wi-Fi", "Contact card", "List of links", "Event"]) {
        await page.getByLabel(type, { exact: true }).check();
      }
      await scan("code-new-event");
      await page.getByLabel("Website").check();
      await page.getByRole("textbox", { name: /^Name/ }).fill(`Axe ${viewport}`);
      await page.getByLabel("Web address").fill("https://example.com/axe");
      await page.getByRole("button", { name: "Create code" }).click();
      await page.getByRole("heading", { name: `Axe ${viewport}`, level: 1 }).waitFor();
      await scan("code-edit");
      await page.getByRole("button", { name: "Delete" }).click();
      await page.getByRole("dialog").waitFor();
      await scan("code-delete");
      await page.keyboard.press("Escape");
      for (const [hash, heading] of [
        ["#/analytics", "Analytics"],
        ["#/settings", "Settings"],
      ] as const) {
        await page.goto(`/console/${hash}`);
        await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
        await scan(heading.toLowerCase());
      }
      expect(findings).toEqual([]);
      expect(problems).toEqual([]);
      await context.close();
    });
  }
});
