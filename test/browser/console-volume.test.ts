// The console's screens for codes at volume (issue 18) in a real browser: Debian's Chromium
// through playwright-core against `wrangler dev` (its own state in a temporary directory; the
// console built into its assets by wrangler's [build] step). An owner creates a webhook endpoint
// and sees its secret once, sees the delivery a code's creation queued, redelivers it, disables
// and enables the endpoint (and re-enables one the consumer disabled, told why), edits and deletes
// it; filters the codes by two tags (the list and the URL follow, a reload keeps them) and fetches
// the export the links point at; edits a code's tags in the form; fetches the scans export of the
// period the analytics screens show. axe-core finds nothing serious on each new screen.
// Screenshots go to test-artifacts/console/volume-*.png.
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
/** A public name that passes the SSRF rules; nothing answers it here (no network), so its deliveries stay pending and log failed attempts. */
const HOOK_URL = "https://hooks.example.com/edge-qr";

async function call(worker: LocalWorker, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(worker.baseUrl + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : {}) as Record<string, any>;
}

/** What the page reported that a person would never see: script errors, CSP violations, other origins. */
function watch(page: Page, origin: string) {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    // The 401 of GET /session before sign-in, and the 400 the tags test provokes, are logged as failed resources.
    if (message.type() === "error" && !/Failed to load resource: the server responded with a status of (400|401)/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:")) problems.push(`request to another origin: ${url}`);
  });
  return problems;
}

/** expect.poll with room for a busy machine (its default gives up after one second): a screen may take longer to load and answer. */
const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 100 });

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `volume-${name}.png`), fullPage: true });

/** A same-origin GET from the page, with its session cookie: what a click on the link downloads. */
const fetchInPage = (page: Page, href: string) =>
  page.evaluate(async (url) => {
    const response = await fetch(url);
    return { status: response.status, contentType: response.headers.get("Content-Type") ?? "", body: await response.text() };
  }, href);

describe.skipIf(!BROWSER_TESTS_RUN)("the console's webhooks, tag filter and export links in Chromium", () => {
  let worker: LocalWorker | undefined;
  let browser: Browser | undefined;
  let orgId: string;
  let key: string;
  const emails: Partial<Record<"owner" | "viewer", string>> = {};

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    worker = await startLocalWorker();
    browser = await launchChromium();
    orgId = (await call(worker, worker.adminToken, "POST", "/admin/organizations", { name: "Volume test" })).id as string;
    for (const role of ["owner", "viewer"] as const) {
      const email = `${role}-${crypto.randomUUID().slice(0, 8)}@example.com`;
      const { user } = await call(worker, worker.adminToken, "POST", `/admin/organizations/${orgId}/users`, { name: `A ${role}`, email });
      await call(worker, worker.adminToken, "PUT", `/admin/users/${user.id}/console-role`, { role });
      await call(worker, worker.adminToken, "PUT", `/admin/users/${user.id}/password`, { password: PASSWORD });
      emails[role] = email;
    }
    key = (await call(worker, worker.adminToken, "POST", `/admin/organizations/${orgId}/api-keys`, { name: "seed", role: "read-write", actions: ["qr:ReadQrCode", "qr:WriteQrCode", "webhooks:ManageWebhooks"] })).secret as string;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  });

  async function signedIn(role: "owner" | "viewer" = "owner", viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser!.newContext({ viewport, baseURL: worker!.baseUrl });
    const page = await context.newPage();
    const problems = watch(page, worker!.baseUrl);
    await page.goto("/console/");
    await page.getByLabel("Email").fill(emails[role]!);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Codes", level: 1 }).waitFor();
    return { context, page, problems };
  }

  const createCode = (name: string, tags: string[] = []) => call(worker!, key, "POST", "/qr_codes", { name, type: "url", content: { url: `https://example.com/${encodeURIComponent(name)}` }, tags });

  it("creates a webhook endpoint, shows its secret once, lists a delivery, redelivers it, disables, enables, edits and deletes the endpoint", async () => {
    const { context, page, problems } = await signedIn();
    const axe: string[] = [];
    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
    await page.getByText("No endpoints yet. Add one below.").waitFor();
    axe.push(...(await seriousAxeViolations(page)));

    await page.getByLabel(/^Endpoint URL/).fill(HOOK_URL);
    await page.getByLabel("Description").fill("CRM");
    await page.getByLabel(/qr_code\.scanned/).check();
    await page.getByRole("button", { name: "Create endpoint" }).click();
    const secret = (await page.locator(".secret-value").textContent())!;
    expect(secret).toMatch(/^whsec_/);
    await page.getByText("you won't see it again").waitFor();
    await page.getByRole("button", { name: "Copy secret" }).waitFor();
    const row = page.getByRole("row", { name: new RegExp(HOOK_URL.replace(/[.]/g, "\\.")) });
    await row.waitFor();
    expect(await row.textContent()).toContain("qr_code.created, qr_code.updated, qr_code.deleted, qr_code.scanned");
    await shot(page, "webhooks-created");
    axe.push(...(await seriousAxeViolations(page)));
    const [endpoint] = (await call(worker!, key, "GET", "/webhooks")).items as { id: string; secretPrefix: string }[];
    // The list shows the secret's start ("whsec_abcd…"), never the rest of it.
    expect(secret.startsWith(endpoint!.secretPrefix.replace(/…$/, ""))).toBe(true);
    expect(await page.locator(".secret-value").count()).toBe(1);

    // A code written now queues a qr_code.created delivery for the endpoint.
    const code = await createCode(`Hooked ${crypto.randomUUID().slice(0, 6)}`);
    await row.getByRole("link", { name: HOOK_URL }).click();
    await page.getByRole("heading", { name: "Webhook endpoint", level: 1 }).waitFor();
    // The secret is gone once the list is left: only its prefix is shown.
    expect(await page.content()).not.toContain(secret);
    const delivery = page.locator(".delivery", { hasText: "qr_code.created" });
    await expect
      .poll(async () => {
        if ((await delivery.count()) === 0) await page.getByRole("button", { name: "Refresh" }).click();
        return delivery.count();
      }, { timeout: 30_000, interval: 500 })
      .toBe(1);
    const deliveryId = (await delivery.getAttribute("data-delivery-id"))!;
    await delivery.getByText("Body sent").click();
    expect(JSON.parse((await delivery.locator(".payload").textContent())!)).toMatchObject({ type: "qr_code.created", data: { id: code.id } });
    axe.push(...(await seriousAxeViolations(page)));

    // Redelivery: the API answers 202 and the log says it is queued again.
    const redelivered = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith(`/deliveries/${deliveryId}/redeliver`));
    await page.getByRole("button", { name: `Redeliver ${deliveryId}` }).click();
    expect((await redelivered).status()).toBe(202);
    await page.getByText(`Delivery ${deliveryId} queued again`).waitFor();
    await eventually(() => page.locator(`.delivery[data-delivery-id="${deliveryId}"]`).getAttribute("data-status")).toBe("pending");
    // Once the queue has tried (nothing answers here), the attempt is in the log with its status and latency.
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Refresh" }).click();
          return page.getByRole("region", { name: `Attempts of ${deliveryId} table` }).count();
        },
        { timeout: 60_000, interval: 1_000 },
      )
      .toBe(1);
    const attempt = page.getByRole("region", { name: `Attempts of ${deliveryId} table` }).getByRole("row").nth(1);
    expect(await attempt.textContent()).toMatch(/^1.*(no answer|HTTP \d{3}).*\d+ ms/);
    await shot(page, "webhook-deliveries");

    // Disable, then enable: the status and the API agree each time; a disabled endpoint's deliveries cannot be redelivered.
    await page.getByRole("button", { name: "Disable" }).click();
    await page.getByText("Disabled by request: no event is sent to it until it is enabled.").waitFor();
    expect((await call(worker!, key, "GET", `/webhooks/${endpoint!.id}`)).status).toBe("disabled");
    expect(await page.getByRole("button", { name: `Redeliver ${deliveryId}` }).isDisabled()).toBe(true);
    axe.push(...(await seriousAxeViolations(page)));
    await page.getByRole("button", { name: "Enable" }).click();
    await page.getByText("Enabled: events are sent again").waitFor();
    expect((await call(worker!, key, "GET", `/webhooks/${endpoint!.id}`)).status).toBe("enabled");

    // Edit: fewer events, another description.
    await page.getByLabel(/qr_code\.updated/).uncheck();
    await page.locator("#endpoint-description").fill("CRM, creations and deletions");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Saved.").waitFor();
    const changed = await call(worker!, key, "GET", `/webhooks/${endpoint!.id}`);
    expect(changed.events).toEqual(["qr_code.created", "qr_code.deleted", "qr_code.scanned"]);
    expect(changed.description).toBe("CRM, creations and deletions");

    // Delete: a confirmation first; "Keep it" keeps it.
    await page.getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Keep it" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByRole("button", { name: "Delete" }).click();
    await dialog.getByRole("button", { name: "Delete for good" }).click();
    await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
    await page.getByText("No endpoints yet.").waitFor();
    expect((await call(worker!, key, "GET", "/webhooks")).items).toEqual([]);
    await call(worker!, key, "DELETE", `/qr_codes/${code.id}`);
    expect(axe).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("says why an endpoint was disabled automatically, and enables it again", async () => {
    const created = await call(worker!, key, "POST", "/webhooks", { url: HOOK_URL, events: ["qr_code.scanned"] });
    await call(worker!, key, "POST", `/webhooks/${created.id}/disable`);
    // The consumer disables an endpoint after DISABLE_AFTER_FAILURES failures spread over a day
    // (src/webhooks/delivery.ts, tested in test/worker/): a day no test waits for. The endpoint is
    // disabled for real; the screen's first read of it is answered with the reason the consumer
    // writes, and the Enable button then goes to the real API.
    const reason = "5 attempts in a row failed since 2026-01-01T00:00:00.000Z; the last: HTTP 500";
    const { context, page, problems } = await signedIn();
    await page.route(`**/webhooks/${created.id}`, async (route) => {
      if (route.request().method() !== "GET") return route.fallback();
      const response = await route.fetch();
      const endpoint = { ...(await response.json()), disabledReason: reason, failureStreak: 5, failingSince: "2026-01-01T00:00:00.000Z" };
      await route.fulfill({ response, json: endpoint });
    });
    await page.goto(`/console/#/webhooks/${created.id}`);
    await page.getByText(`Disabled automatically: ${reason}.`).waitFor();
    await shot(page, "webhook-auto-disabled");
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Enable" }).click();
    await page.getByText("Enabled: events are sent again, and the failure count starts from zero.").waitFor();
    const endpoint = await call(worker!, key, "GET", `/webhooks/${created.id}`);
    expect(endpoint).toMatchObject({ status: "enabled", failureStreak: 0, disabledReason: null });

    // A viewer's read-only session does not carry webhooks:ManageWebhooks (a write action): no menu entry, and the screen says why.
    const viewer = await signedIn("viewer");
    expect(await viewer.page.getByRole("link", { name: "Webhooks" }).count()).toBe(0);
    await viewer.page.goto(`/console/#/webhooks/${created.id}`);
    await viewer.page.getByText("Webhooks are managed by owners and editors; your role cannot see them.").waitFor();
    expect(await viewer.page.getByText(HOOK_URL).count()).toBe(0);
    expect(viewer.problems).toEqual([]);
    await viewer.context.close();
    await call(worker!, key, "DELETE", `/webhooks/${created.id}`);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("filters the codes by two tags, keeps the filter in the URL across a reload, and exports what it selects", async () => {
    const run = crypto.randomUUID().slice(0, 6);
    const both = await createCode(`Both ${run}`, ["menu", "spring"]);
    const menuOnly = await createCode(`Menu ${run}`, ["menu"]);
    const springOnly = await createCode(`Spring ${run}`, ["spring"]);
    const { context, page, problems } = await signedIn();

    const tagFilter = page.getByRole("group", { name: "Tags" });
    await tagFilter.getByLabel("menu (2)").waitFor();
    await tagFilter.getByLabel("spring (2)").waitFor();
    // Each row shows its tags.
    expect(await page.getByRole("list", { name: `Tags of Both ${run}` }).getByRole("listitem").allTextContents()).toEqual(["menu", "spring"]);
    expect(await seriousAxeViolations(page)).toEqual([]);

    const names = () => page.locator(".code-row .code-name").allTextContents();
    await tagFilter.getByLabel("menu (2)").check();
    await eventually(() => new URL(page.url()).hash).toBe("#/codes?tag=menu");
    await eventually(async () => (await names()).sort()).toEqual([`Both ${run}`, `Menu ${run}`]);
    await tagFilter.getByLabel("spring (2)").check();
    await eventually(() => new URL(page.url()).hash).toBe("#/codes?tag=menu&tag=spring");
    await eventually(names).toEqual([`Both ${run}`]);
    await page.getByText("1 code match.").waitFor();

    // A reload keeps both filters (and their boxes checked).
    await page.reload();
    await page.getByRole("heading", { name: "Codes", level: 1 }).waitFor();
    await eventually(names).toEqual([`Both ${run}`]);
    expect(await tagFilter.getByLabel("menu (2)").isChecked()).toBe(true);
    expect(await tagFilter.getByLabel("spring (2)").isChecked()).toBe(true);
    await shot(page, "codes-tag-filter");
    expect(await seriousAxeViolations(page)).toEqual([]);

    // The export links carry the same filters, and what they download is the listed code alone.
    const csvHref = (await page.getByRole("link", { name: "Export CSV" }).getAttribute("href"))!;
    expect(csvHref).toBe("/qr_codes/export?tag=menu&tag=spring&format=csv");
    const csv = await fetchInPage(page, csvHref);
    expect(csv.status).toBe(200);
    expect(csv.contentType).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split(/\r?\n/);
    expect(lines[0]).toBe("id,name,type,tags,short_token,dynamic_url,content,scans,views,created_at,updated_at");
    expect(lines).toHaveLength(2);
    expect(lines[1]!.startsWith(`${both.id},Both ${run},url,"menu,spring",`)).toBe(true);
    const jsonlHref = (await page.getByRole("link", { name: "Export JSON Lines" }).getAttribute("href"))!;
    expect(jsonlHref).toBe("/qr_codes/export?tag=menu&tag=spring&format=jsonl");
    const jsonl = await fetchInPage(page, jsonlHref);
    expect(jsonl.status).toBe(200);
    expect(jsonl.body.trim().split("\n").map((line) => JSON.parse(line).id)).toEqual([both.id]);

    // Unchecking one widens the list again.
    await tagFilter.getByLabel("menu (2)").uncheck();
    await eventually(() => new URL(page.url()).hash).toBe("#/codes?tag=spring");
    await eventually(async () => (await names()).sort()).toEqual([`Both ${run}`, `Spring ${run}`]);
    expect(problems).toEqual([]);
    await context.close();
    for (const code of [both, menuOnly, springOnly]) await call(worker!, key, "DELETE", `/qr_codes/${code.id}`);
  });

  it("edits a code's tags in the form, showing a refused tag at the field", async () => {
    const code = await createCode(`Tagged ${crypto.randomUUID().slice(0, 6)}`, ["spring"]);
    const { context, page, problems } = await signedIn();
    await page.goto(`/console/#/codes/${code.id}`);
    const tags = page.getByLabel("Tags");
    await eventually(() => tags.inputValue()).toBe("spring");
    await tags.fill("spring, bad!tag");
    await page.getByRole("button", { name: "Save changes" }).click();
    const error = page.locator("#field-tags-error");
    await error.waitFor();
    expect(await error.textContent()).toContain("“bad!tag”");
    expect(await tags.getAttribute("aria-invalid")).toBe("true");
    expect(await seriousAxeViolations(page)).toEqual([]);
    await tags.fill("Spring,  Outdoor   Seating ");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Saved.").waitFor();
    expect((await call(worker!, key, "GET", `/qr_codes/${code.id}`)).tags).toEqual(["outdoor seating", "spring"]);
    // The form shows the tags in their stored form.
    await eventually(() => page.getByLabel("Tags").inputValue()).toBe("outdoor seating, spring");

    // A new code takes its tags from the same field.
    await page.goto("/console/#/codes/new");
    const name = `New tagged ${crypto.randomUUID().slice(0, 6)}`;
    await page.getByRole("textbox", { name: /^Name/ }).fill(name);
    await page.getByLabel("Web address").fill("https://example.com/tagged");
    await page.getByLabel("Tags").fill("menu, terrace");
    await page.getByRole("button", { name: "Create code" }).click();
    await page.getByRole("heading", { name, level: 1 }).waitFor();
    await eventually(() => page.getByLabel("Tags").inputValue()).toBe("menu, terrace");
    expect(problems.filter((p) => !p.includes("status of 400"))).toEqual([]);
    await context.close();
    await call(worker!, key, "DELETE", `/qr_codes/${code.id}`);
  });

  it("links the analytics screens to the scans and clicks exports of the period they show, per code and for the organization", async () => {
    const code = await createCode(`Exported scans ${crypto.randomUUID().slice(0, 6)}`);
    const { context, page, problems } = await signedIn();
    const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

    for (const [hash, path] of [
      [`#/codes/${code.id}/analytics`, `/qr_codes/${code.id}/scans/export`],
      ["#/analytics", "/analytics/scans/export"],
    ] as const) {
      await page.goto(`/console/${hash}`);
      await page.locator(".totals").waitFor();
      // The period shown, as the range picker holds it (both days included) → the API's [from, to).
      const from = await page.getByLabel("From (UTC day)").inputValue();
      const to = await page.getByLabel("To (UTC day, included)").inputValue();
      for (const [label, format, family] of [
        ["Export scans (CSV)", "csv", "scans"],
        ["Export scans (JSON Lines)", "jsonl", "scans"],
        ["Export share-link clicks (CSV)", "csv", "clicks"],
      ] as const) {
        const href = (await page.getByRole("link", { name: label }).getAttribute("href"))!;
        expect(href).toBe(`${path.replace("/scans/", `/${family}/`)}?format=${format}&from=${from}&to=${dayAfter(to)}`);
      }
      const clicks = await fetchInPage(page, (await page.getByRole("link", { name: "Export share-link clicks (CSV)" }).getAttribute("href"))!);
      expect(clicks.status).toBe(200);
      const csv = await fetchInPage(page, (await page.getByRole("link", { name: "Export scans (CSV)" }).getAttribute("href"))!);
      expect(csv.status).toBe(200);
      expect(csv.body.split(/\r?\n/)[0]).toBe("id,code_id,at,country,region,city,device,os,browser,referrer_host,bot,bot_reason,outcome,rule,variant");
      expect(await seriousAxeViolations(page)).toEqual([]);
    }

    // Another period picked: the links follow it.
    await page.getByLabel("From (UTC day)").fill("2026-01-01");
    await page.getByLabel("To (UTC day, included)").fill("2026-01-31");
    await page.getByRole("button", { name: "Show" }).click();
    await eventually(() => page.getByRole("link", { name: "Export scans (CSV)" }).getAttribute("href")).toBe("/analytics/scans/export?format=csv&from=2026-01-01&to=2026-02-01");
    expect(problems).toEqual([]);
    await context.close();
    await call(worker!, key, "DELETE", `/qr_codes/${code.id}`);
  });

  it("passes axe-core on the new screens at phone width", async () => {
    const endpoint = await call(worker!, key, "POST", "/webhooks", { url: HOOK_URL, events: ["qr_code.created"], description: "Phone" });
    const code = await createCode(`Phone ${crypto.randomUUID().slice(0, 6)}`, ["menu", "phone check"]);
    // The code's creation queues a delivery; the endpoint screen reads its log once, so wait for it first.
    await expect.poll(async () => (await call(worker!, key, "GET", `/webhooks/${endpoint.id}/deliveries`)).items.length, { timeout: 30_000, interval: 250 }).toBe(1);
    const { context, page, problems } = await signedIn("owner", { width: 390, height: 844 });
    const findings: string[] = [];
    const scan = async (label: string) => {
      await shot(page, `${label}-phone`);
      for (const finding of await seriousAxeViolations(page)) findings.push(`${label}: ${finding}`);
    };
    await page.goto("/console/#/codes?tag=phone%20check");
    await page.locator(".code-row", { hasText: code.name }).waitFor();
    await scan("codes-tag-filter");
    await page.goto("/console/#/webhooks");
    await page.getByRole("row", { name: /Phone/ }).waitFor();
    await scan("webhooks");
    await page.goto(`/console/#/webhooks/${endpoint.id}`);
    await page.locator(".delivery", { hasText: "qr_code.created" }).waitFor();
    await scan("webhook-endpoint");
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("dialog").waitFor();
    await scan("webhook-delete");
    expect(findings).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
    await call(worker!, key, "DELETE", `/webhooks/${endpoint.id}`);
    await call(worker!, key, "DELETE", `/qr_codes/${code.id}`);
  });
});
