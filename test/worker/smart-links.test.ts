import { createMessageBatch } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { consumeVisits } from "../../src/analytics/consumer";
import type { VisitMessage } from "../../src/analytics/event";
import { call, captureVisits, seedOrg } from "./qr-support";

afterEach(() => vi.restoreAllMocks());

const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36";
const DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

interface Visit {
  path?: "r" | "s";
  agent?: string;
  country?: string;
  language?: string;
  ip?: string;
}

async function visit(token: string, v: Visit = {}): Promise<Response> {
  const headers: Record<string, string> = { "User-Agent": v.agent ?? DESKTOP, "CF-Connecting-IP": v.ip ?? "198.51.100.7" };
  if (v.language) headers["Accept-Language"] = v.language;
  const request = new Request(`https://qr.test/${v.path ?? "r"}/${token}`, { redirect: "manual", headers, ...(v.country ? { cf: { country: v.country } } : {}) } as RequestInit);
  return exports.default.fetch(request);
}

const locationOf = async (token: string, v: Visit = {}) => {
  const res = await visit(token, v);
  expect(res.status).toBe(302);
  return res.headers.get("location");
};

async function create(key: string, body: Record<string, unknown>) {
  const res = await call("POST", "/qr_codes", { key, body: { name: "smart", type: "url", content: { url: "https://example.com/default" }, ...body } });
  return res;
}

/** HH:MM (UTC) `minutes` from now; the window tests below stay an hour clear of either edge. */
const utcClock = (minutes: number) => {
  const at = new Date(Date.now() + minutes * 60_000);
  return `${String(at.getUTCHours()).padStart(2, "0")}:${String(at.getUTCMinutes()).padStart(2, "0")}`;
};

const RULES = () => [
  { name: "iPhone", url: "https://example.com/app-store", os: ["ios"] },
  { url: "https://example.com/germany", countries: ["de", "AT"] },
  { name: "French", url: "https://example.com/fr", languages: ["fr"] },
  { name: "Later", url: "https://example.com/later", window: { from: utcClock(120), until: utcClock(180), timeZone: "UTC" } },
  { name: "Now", url: "https://example.com/now", os: ["other"], window: { from: utcClock(-60), until: utcClock(60), timeZone: "Etc/UTC" } },
];

describe("routing rules", () => {
  it("validates at write time, naming the rule and the field", async () => {
    const org = await seedOrg();
    const refused = await create(org.writeKey, {
      routing: {
        rules: [
          { url: "https://example.com/a", countries: ["DE", "ZZ"] },
          { url: "https://example.com/b", window: { from: "09:00", until: "09:00", timeZone: "Europe/Berlin" } },
          { url: "https://example.com/c", window: { timeZone: "Mars/Olympus" } },
          { url: "https://example.com/d" },
          { url: "javascript:alert(1)", languages: ["fr"] },
          { url: "https://example.com/e", languages: ["not a tag"], os: [] },
        ],
      },
    });
    expect(refused.status).toBe(400);
    const fields = refused.json.violations.map((v: { propertyPath: string; message: string }) => `${v.propertyPath}: ${v.message}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^routing\.rules\.0\.countries\.1: unknown country code "ZZ"/),
        expect.stringMatching(/^routing\.rules\.1\.window\.until: must differ from from: the window would be empty/),
        expect.stringMatching(/^routing\.rules\.2\.window\.timeZone: unknown time zone "Mars\/Olympus"/),
        expect.stringMatching(/^routing\.rules\.3: must have at least one condition/),
        expect.stringMatching(/^routing\.rules\.4\.url: must be an absolute http/),
        expect.stringMatching(/^routing\.rules\.5\.languages\.0: unknown language tag/),
        expect.stringMatching(/^routing\.rules\.5\.os: must list at least one value/),
      ]),
    );

    const tooMany = await create(org.writeKey, { routing: { rules: Array.from({ length: 21 }, (_, i) => ({ url: `https://example.com/${i}`, os: ["ios"], name: `r${i}` })) } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.violations).toContainEqual({ propertyPath: "routing.rules", message: "must have at most 20 rules" });

    const onStatic = await create(org.writeKey, { type: "wifi", content: { ssid: "Cafe", password: "secret123", encryption: "WPA" }, routing: { rules: [{ url: "https://example.com/x", os: ["ios"] }] } });
    expect(onStatic.status).toBe(400);
    expect(onStatic.json.violations).toContainEqual(expect.objectContaining({ propertyPath: "routing", message: expect.stringMatching(/^apply to dynamic codes only/) }));

    const reserved = await create(org.writeKey, { routing: { rules: [{ name: "default", url: "https://example.com/x", os: ["ios"] }] } });
    expect(reserved.status).toBe(400);
    expect(reserved.json.violations[0].propertyPath).toBe("routing.rules.0.name");
  });

  it("the first matching rule picks the destination, else the code's target; normalised values are stored", async () => {
    const org = await seedOrg();
    const created = await create(org.writeKey, { routing: { rules: RULES() } });
    expect(created.status, created.text).toBe(201);
    const code = created.json;
    expect(code.routing.rules[1]).toEqual({ name: null, url: "https://example.com/germany", os: null, countries: ["DE", "AT"], languages: null, window: null });
    expect(code.routing.rules[3].window).toMatchObject({ days: null, timeZone: "UTC" });
    const token = code.metadata.shortToken;

    expect(await locationOf(token, { agent: IPHONE, country: "DE", language: "fr" })).toBe("https://example.com/app-store"); // first rule wins
    expect(await locationOf(token, { agent: ANDROID, country: "AT" })).toBe("https://example.com/germany");
    expect(await locationOf(token, { agent: ANDROID, language: "fr-CA,fr;q=0.9,en;q=0.8" })).toBe("https://example.com/fr");
    expect(await locationOf(token, { agent: ANDROID, language: "en-GB,fr;q=0.5" })).toBe("https://example.com/default"); // fr is not preferred
    expect(await locationOf(token, { agent: DESKTOP })).toBe("https://example.com/now"); // "Later" is outside its window, "Now" inside
    expect(await locationOf(token, { agent: ANDROID })).toBe("https://example.com/default");
  });

  it("analytics say which rule served each scan, with a breakdown by rule", async () => {
    const org = await seedOrg();
    const code = (await create(org.writeKey, { routing: { rules: RULES() } })).json;
    const token = code.metadata.shortToken;
    const { waitFor } = captureVisits();
    await visit(token, { agent: IPHONE });
    await visit(token, { agent: IPHONE, ip: "198.51.100.8" });
    await visit(token, { agent: ANDROID, country: "DE" });
    await visit(token, { agent: ANDROID });
    const sent = await waitFor(4, code.id);
    expect(sent.map((m) => m.rule).sort()).toEqual(["default", "iPhone", "iPhone", "rule 2"]);
    expect(sent.every((m) => m.variant === null && m.kind === "scan")).toBe(true);
    const batch = createMessageBatch("edge-qr-scans", sent.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })));
    expect(await consumeVisits(batch, env)).toMatchObject({ written: 4 });
    const scans = await call("GET", `/qr_codes/${code.id}/scans`, { key: org.readKey });
    expect(scans.json.breakdowns.byRule).toEqual([
      { value: "iPhone", humans: 2, bots: 0 },
      { value: "default", humans: 1, bots: 0 },
      { value: "rule 2", humans: 1, bots: 0 },
    ]);
    expect(scans.json.member.map((m: { rule: string }) => m.rule).sort()).toEqual(["default", "iPhone", "iPhone", "rule 2"]);
  });

  it("an edit reaches the redirect at once, and PATCH replaces the rules as a whole", async () => {
    const org = await seedOrg();
    const code = (await create(org.writeKey, { routing: { rules: RULES() } })).json;
    const patched = await call("PATCH", `/qr_codes/${code.id}`, {
      key: org.writeKey,
      body: { routing: { rules: [{ url: "https://example.com/android", os: ["android"] }] } },
      headers: { "Content-Type": "application/merge-patch+json" },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json.routing.rules).toHaveLength(1);
    expect(await locationOf(code.metadata.shortToken, { agent: ANDROID })).toBe("https://example.com/android");
    expect(await locationOf(code.metadata.shortToken, { agent: IPHONE })).toBe("https://example.com/default");
    const cleared = await call("PATCH", `/qr_codes/${code.id}`, { key: org.writeKey, body: { routing: null }, headers: { "Content-Type": "application/merge-patch+json" } });
    expect(cleared.json.routing).toEqual({ rules: [], variants: [] });
    expect(await locationOf(code.metadata.shortToken, { agent: ANDROID })).toBe("https://example.com/default");
  });
});

describe("A/B variants", () => {
  it("weights must add up to 100, with at least two variants", async () => {
    const org = await seedOrg();
    const off = await create(org.writeKey, { routing: { variants: [{ url: "https://example.com/a", weight: 50 }, { url: "https://example.com/b", weight: 40 }] } });
    expect(off.status).toBe(400);
    expect(off.json.violations).toContainEqual({ propertyPath: "routing.variants", message: "weights must add up to 100 (they add up to 90)" });
    const one = await create(org.writeKey, { routing: { variants: [{ url: "https://example.com/a", weight: 100 }] } });
    expect(one.json.violations).toContainEqual({ propertyPath: "routing.variants", message: "must have at least two variants (or none)" });
  });

  it("splits 1,000 visitors by weight, each visitor keeping their variant, with a breakdown by variant", async () => {
    const org = await seedOrg();
    const code = (await create(org.writeKey, { routing: { variants: [{ name: "control", url: null, weight: 70 }, { url: "https://example.com/b", weight: 30 }] } })).json;
    const token = code.metadata.shortToken;
    const { waitFor } = captureVisits();
    const counts = new Map<string | null, number>();
    const VISITORS = 1_000;
    for (let i = 0; i < VISITORS; i++) {
      const location = await locationOf(token, { ip: `203.0.${i >> 8}.${i & 255}` });
      counts.set(location, (counts.get(location) ?? 0) + 1);
    }
    // 30% of 1,000: a standard deviation of 14.5; 5 of them either side.
    expect(counts.get("https://example.com/b")).toBeGreaterThanOrEqual(300 - 73);
    expect(counts.get("https://example.com/b")).toBeLessThanOrEqual(300 + 73);
    expect(counts.get("https://example.com/default")).toBe(VISITORS - counts.get("https://example.com/b")!);
    // The same visitor (address and browser) gets the same variant all day.
    for (const i of [3, 500, 999]) {
      const first = await locationOf(token, { ip: `203.0.${i >> 8}.${i & 255}` });
      expect(await locationOf(token, { ip: `203.0.${i >> 8}.${i & 255}` })).toBe(first);
    }
    const sent = (await waitFor(VISITORS + 6, code.id)) as VisitMessage[];
    expect(new Set(sent.map((m) => m.variant))).toEqual(new Set(["control", "B"]));
    expect(sent.every((m) => m.rule === null)).toBe(true);
    const batch = createMessageBatch("edge-qr-scans", sent.slice(0, 100).map((body, i) => ({ id: `v${i}`, timestamp: new Date(), attempts: 1, body })));
    await consumeVisits(batch, env);
    const scans = await call("GET", `/qr_codes/${code.id}/scans`, { key: org.readKey });
    const byVariant = Object.fromEntries(scans.json.breakdowns.byVariant.map((c: { value: string; humans: number }) => [c.value, c.humans]));
    expect(byVariant.control + byVariant.B).toBe(100);
    expect(byVariant.B).toBe(sent.slice(0, 100).filter((m) => m.variant === "B").length);
  });

  it("a matching rule wins over the variants", async () => {
    const org = await seedOrg();
    const code = (await create(org.writeKey, { routing: { rules: [{ url: "https://example.com/ios", os: ["ios"] }], variants: [{ url: "https://example.com/a", weight: 50 }, { url: "https://example.com/b", weight: 50 }] } })).json;
    expect(await locationOf(code.metadata.shortToken, { agent: IPHONE })).toBe("https://example.com/ios");
    expect(["https://example.com/a", "https://example.com/b"]).toContain(await locationOf(code.metadata.shortToken, { agent: ANDROID }));
  });
});

describe("UTM parameters", () => {
  it("are merged into the destination: ours replace the same names, the rest and the fragment stay", async () => {
    const org = await seedOrg();
    const code = (
      await create(org.writeKey, {
        content: { url: "https://example.com/landing?utm_source=old&ref=42#top" },
        utm: { source: "flyer", medium: "qr", campaign: "spring sale" },
        routing: { rules: [{ url: "https://example.com/ios?x=1", os: ["ios"] }] },
      })
    ).json;
    expect(code.utm).toEqual({ source: "flyer", medium: "qr", campaign: "spring sale", term: null, content: null });
    expect(await locationOf(code.metadata.shortToken)).toBe("https://example.com/landing?utm_source=flyer&ref=42&utm_medium=qr&utm_campaign=spring+sale#top");
    expect(await locationOf(code.metadata.shortToken, { agent: IPHONE })).toBe("https://example.com/ios?x=1&utm_source=flyer&utm_medium=qr&utm_campaign=spring+sale");
  });

  it("never reach our own pages", async () => {
    const org = await seedOrg();
    const code = (await create(org.writeKey, { type: "text", content: { text: "Hello" }, utm: { source: "flyer" } })).json;
    expect(await locationOf(code.metadata.shortToken)).toBe(`https://qr.test/p/${code.metadata.shortToken}`);
  });

  it("organization defaults fill a code that sets none; null opts out; existing codes keep theirs", async () => {
    const org = await seedOrg();
    const before = (await create(org.writeKey, {})).json;
    const set = await call("PUT", "/qr_codes/utm_defaults", { key: org.writeKey, body: { source: "qr", medium: "print" } });
    expect(set.status, set.text).toBe(200);
    expect(set.json).toEqual({ "@id": "/qr_codes/utm_defaults", utm: { source: "qr", medium: "print", campaign: null, term: null, content: null } });
    expect((await call("GET", "/qr_codes/utm_defaults", { key: org.readKey })).json).toEqual(set.json);

    const defaulted = (await create(org.writeKey, {})).json;
    expect(defaulted.utm).toMatchObject({ source: "qr", medium: "print" });
    expect(await locationOf(defaulted.metadata.shortToken)).toBe("https://example.com/default?utm_source=qr&utm_medium=print");
    const optedOut = (await create(org.writeKey, { utm: null })).json;
    expect(optedOut.utm.source).toBeNull();
    expect(await locationOf(optedOut.metadata.shortToken)).toBe("https://example.com/default");
    const own = (await create(org.writeKey, { utm: { campaign: "x" } })).json;
    expect(own.utm).toEqual({ source: null, medium: null, campaign: "x", term: null, content: null });
    expect((await call("GET", `/qr_codes/${before.id}`, { key: org.readKey })).json.utm.source).toBeNull();
    const staticCode = (await create(org.writeKey, { type: "call", content: { phoneNumber: "+33123456789" } })).json;
    expect(staticCode.utm.source).toBeNull();

    for (const [body, field] of [[{ source: "" }, "source"], [{ colour: "red" }, "colour"], [[], ""]] as const) {
      const bad = await call("PUT", "/qr_codes/utm_defaults", { key: org.writeKey, body });
      expect(bad.status).toBe(400);
      expect(bad.json.violations.map((v: { propertyPath: string }) => v.propertyPath)).toEqual([field]);
    }
    expect((await call("PUT", "/qr_codes/utm_defaults", { key: org.readKey, body: {} })).status).toBe(403);
  });
});

describe("scans apart from clicks", () => {
  it("the image encodes dynamicUrl; the share link goes to the same place and counts as a click", async () => {
    const org = await seedOrg();
    const code = (await create(org.writeKey, { routing: { rules: [{ url: "https://example.com/ios", os: ["ios"] }] } })).json;
    const token = code.metadata.shortToken;
    expect(code.attributes.shareUrl).toBe(`https://qr.test/s/${token}`);
    expect(code.attributes.dynamicUrl).toBe(`https://qr.test/r/${token}`);
    const { waitFor } = captureVisits();
    expect(await locationOf(token, { path: "s", agent: IPHONE })).toBe("https://example.com/ios");
    expect(await locationOf(token, { path: "s" })).toBe("https://example.com/default");
    expect(await locationOf(token, { path: "r" })).toBe("https://example.com/default");
    const sent = await waitFor(3, code.id);
    expect(sent.map((m) => m.kind).sort()).toEqual(["click", "click", "scan"]);
    await consumeVisits(createMessageBatch("edge-qr-scans", sent.map((body, i) => ({ id: `c${i}`, timestamp: new Date(), attempts: 1, body }))), env);

    const read = await call("GET", `/qr_codes/${code.id}`, { key: org.readKey });
    expect(read.json.analytics).toEqual({ scans: 1, clicks: 2 });
    const clicks = await call("GET", `/qr_codes/${code.id}/clicks`, { key: org.readKey });
    expect(clicks.status).toBe(200);
    expect(clicks.json.totalItems).toBe(2);
    expect(clicks.json.totals.human).toBe(2);
    expect(clicks.json.member[0]["@type"]).toBe("ShareClick");
    expect((await call("GET", `/qr_codes/${code.id}/scans`, { key: org.readKey })).json.totals.human).toBe(1);
    const orgClicks = await call("GET", "/analytics/clicks", { key: org.readKey });
    expect(orgClicks.json.totals.human).toBe(2);
    expect(orgClicks.json.byCode[0]).toMatchObject({ id: code.id });

    const staticCode = (await create(org.writeKey, { type: "call", content: { phoneNumber: "+33123456789" } })).json;
    expect(staticCode.attributes).not.toHaveProperty("shareUrl");
    const refused = await call("GET", `/qr_codes/${staticCode.id}/clicks`, { key: org.readKey });
    expect(refused.status).toBe(400);
    expect(refused.json.code ?? refused.json.type).toBeDefined();
    expect((await visit("zzzzzzzz", { path: "s" })).status).toBe(404);
  });
});

describe("password-protected codes", () => {
  const form = (password: string) => ({ method: "POST", body: new URLSearchParams({ password }).toString(), headers: { "Content-Type": "application/x-www-form-urlencoded" } });
  async function post(path: string, password: string, ip = "198.51.100.7", cookie?: string) {
    const init = form(password);
    return exports.default.fetch(
      new Request(`https://qr.test${path}`, { ...init, redirect: "manual", headers: { ...init.headers, "User-Agent": DESKTOP, "CF-Connecting-IP": ip, ...(cookie ? { Cookie: cookie } : {}) } }),
    );
  }
  const get = (path: string, cookie?: string) =>
    exports.default.fetch(new Request(`https://qr.test${path}`, { redirect: "manual", headers: { "User-Agent": DESKTOP, "CF-Connecting-IP": "198.51.100.7", ...(cookie ? { Cookie: cookie } : {}) } }));
  const cookieOf = (res: Response) => res.headers.get("set-cookie")!.split(";")[0]!;

  it("a scan shows our password page until the right password; the scan is counted once, when it reaches the target", async () => {
    const org = await seedOrg();
    const created = await create(org.writeKey, { password: "open sesame", limits: { maxScans: 5 } });
    expect(created.status, created.text).toBe(201);
    const code = created.json;
    expect(code.attributes.passwordProtected).toBe(true);
    expect(created.text).not.toContain("open sesame");
    expect(created.text).not.toContain("pbkdf2");
    const token = code.metadata.shortToken;
    const { sent } = captureVisits();

    const page = await get(`/r/${token}`);
    expect(page.status).toBe(403);
    expect(page.headers.get("location")).toBeNull();
    expect(page.headers.get("content-security-policy")).toContain("form-action 'self' https: http:");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain(`action="/r/${token}"`);
    expect(html).toContain('type="password"');
    expect(html).not.toContain("example.com");

    const wrong = await post(`/r/${token}`, "open says me");
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain("not right");
    expect(wrong.headers.get("set-cookie")).toBeNull();

    const right = await post(`/r/${token}`, "open sesame");
    expect(right.status).toBe(303);
    expect(right.headers.get("location")).toBe(`/r/${token}`);
    expect(right.headers.get("set-cookie")).toMatch(new RegExp(`^qr_unlock_${token}=\\d+\\.[0-9a-f]{64}; Max-Age=3600; Path=/; HttpOnly; Secure; SameSite=Lax`));
    const unlocked = await get(`/r/${token}`, cookieOf(right));
    expect(unlocked.status).toBe(302);
    expect(unlocked.headers.get("location")).toBe("https://example.com/default");
    // Nothing was recorded for the page, the wrong password or the unlock: only the scan that reached the target.
    for (let i = 0; i < 200 && sent.length < 1; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent.filter((m) => m.codeId === code.id).map((m) => m.outcome)).toEqual(["target"]);
    // The share link takes the same cookie (one unlock per code, whichever link).
    expect((await get(`/s/${token}`, cookieOf(right))).status).toBe(302);

    // The cookie unlocks this code only, and a new password ends it.
    const other = (await create(org.writeKey, { password: "another one" })).json;
    expect((await get(`/r/${other.metadata.shortToken}`, cookieOf(right).replace(token, other.metadata.shortToken))).status).toBe(403);
    const changed = await call("PATCH", `/qr_codes/${code.id}`, { key: org.writeKey, body: { password: "new secret" }, headers: { "Content-Type": "application/merge-patch+json" } });
    expect(changed.status).toBe(200);
    expect((await get(`/r/${token}`, cookieOf(right))).status).toBe(403);
  });

  it("a PUT without password keeps it; null removes it; static codes cannot have one", async () => {
    const org = await seedOrg();
    const code = (await create(org.writeKey, { password: "open sesame" })).json;
    const put = await call("PUT", `/qr_codes/${code.id}`, { key: org.writeKey, body: { name: "renamed", type: "url", content: { url: "https://example.com/default" } } });
    expect(put.json.attributes.passwordProtected).toBe(true);
    const removed = await call("PATCH", `/qr_codes/${code.id}`, { key: org.writeKey, body: { password: null }, headers: { "Content-Type": "application/merge-patch+json" } });
    expect(removed.json.attributes.passwordProtected).toBe(false);
    expect((await get(`/r/${code.metadata.shortToken}`)).status).toBe(302);

    const tooShort = await create(org.writeKey, { password: "abc" });
    expect(tooShort.status).toBe(400);
    expect(tooShort.json.violations[0].propertyPath).toBe("password");
    const onStatic = await create(org.writeKey, { type: "call", content: { phoneNumber: "+33123456789" }, password: "open sesame" });
    expect(onStatic.status).toBe(400);
    expect(onStatic.json.violations).toContainEqual(expect.objectContaining({ propertyPath: "password" }));
  });

  it("hosted pages are gated too, and the form there unlocks the page", async () => {
    const org = await seedOrg();
    const code = (await create(org.writeKey, { type: "text", content: { text: "The secret menu" }, password: "open sesame" })).json;
    const token = code.metadata.shortToken;
    const page = await get(`/p/${token}`);
    expect(page.status).toBe(403);
    const html = await page.text();
    expect(html).not.toContain("The secret menu");
    expect(html).toContain(`action="/p/${token}"`);
    const right = await post(`/p/${token}`, "open sesame");
    expect(right.status).toBe(303);
    expect(right.headers.get("location")).toBe(`/p/${token}`);
    const open = await get(`/p/${token}`, cookieOf(right));
    expect(open.status).toBe(200);
    expect(await open.text()).toContain("The secret menu");
  });

  it("wrong passwords are limited per code and address: the 11th in 15 minutes is a 429, other addresses still try", async () => {
    const org = await seedOrg();
    const token = (await create(org.writeKey, { password: "open sesame" })).json.metadata.shortToken;
    for (let i = 0; i < 10; i++) expect((await post(`/r/${token}`, `guess ${i}`, "192.0.2.50")).status).toBe(403);
    const limited = await post(`/r/${token}`, "open sesame", "192.0.2.50");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited.text()).toContain("Too many wrong passwords");
    expect((await post(`/r/${token}`, "open sesame", "192.0.2.51")).status).toBe(303);
  });
});
