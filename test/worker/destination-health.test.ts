import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkDestinations, CHECKS_PER_RUN, PER_HOST_PER_RUN } from "../../src/codes/destination-health";
import { call, seedOrg } from "./qr-support";

afterEach(() => vi.restoreAllMocks());

/**
 * Local targets that fail and recover: the checks' fetcher answers from this table (a status, or
 * null for no answer), and logs what it was asked. The clock is injected: runs happen at `at(h)`.
 */
function targets(initial: Record<string, number | null>) {
  const answers = new Map(Object.entries(initial));
  const asked: { method: string; url: string }[] = [];
  const fetcher = async (url: string, init: RequestInit) => {
    asked.push({ method: init.method ?? "GET", url });
    const status = answers.get(url);
    if (status === undefined || status === null) throw new TypeError("connection refused");
    return new Response(init.method === "HEAD" ? null : "body", { status });
  };
  return { answers, asked, fetcher };
}

/** A label per test's organization (six hex digits: eight would read as an embedded IPv4 address, which the SSRF rules refuse). */
const hostTag = (orgId: string) => `t${orgId.replace(/-/g, "").slice(0, 6)}`;

/** The checks' clock: from the next whole minute after now (rows a create makes are due at once). */
const T0 = Math.ceil((Date.now() + 60_000) / 60_000) * 60_000;
const at = (hours: number) => new Date(T0 + hours * 3_600_000);

async function follow(token: string): Promise<string | null> {
  const res = await exports.default.fetch(new Request(`https://qr.test/r/${token}`, { redirect: "manual", headers: { "User-Agent": "Mozilla/5.0 (Windows NT 10.0)", "CF-Connecting-IP": "198.51.100.9" } }));
  return res.headers.get("location");
}

/** Runs the job until it has nothing due at `now` (other tests' rows may be due too: they are answered by the same table, or fail). */
async function runAt(now: Date, fetcher: ReturnType<typeof targets>["fetcher"]) {
  let checked = 0;
  for (let i = 0; i < 20; i++) {
    const n = await checkDestinations(env, now, { fetcher });
    checked += n;
    if (n === 0) break;
  }
  return checked;
}

async function hookOrg() {
  const org = await seedOrg();
  const manager = await org.issueKey({ role: "read-write", actions: ["qr:ReadQrCode", "qr:WriteQrCode", "webhooks:ManageWebhooks"] });
  return { ...org, hookKey: manager.secret };
}

async function eventsOf(orgId: string): Promise<{ type: string; data: { id: string; health: { status: string } } }[]> {
  const { results } = await env.DB.prepare("SELECT payload FROM webhook_deliveries WHERE org_id = ?1 ORDER BY created_at, rowid").bind(orgId).all<{ payload: string }>();
  return results.map((row) => JSON.parse(row.payload));
}

describe("destination health", () => {
  it("a destination that fails twice is broken; opted-in codes serve the fallback until it recovers, with an event each way", async () => {
    vi.spyOn(env.WEBHOOKS, "send").mockResolvedValue(undefined as never);
    vi.spyOn(env.WEBHOOKS, "sendBatch").mockResolvedValue(undefined as never);
    const org = await hookOrg();
    const hook = await call("POST", "/webhooks", { key: org.hookKey, body: { url: "https://hooks.example.com/h", events: ["qr_code.destination_broken", "qr_code.destination_recovered"] } });
    expect(hook.status, hook.text).toBe(201);
    const MENU = `https://shop-${hostTag(org.orgId)}.example.com/menu`;
    const IOS = `https://apps-${hostTag(org.orgId)}.example.org/ios`;
    const created = await call("POST", "/qr_codes", {
      key: org.writeKey,
      body: {
        name: "Menu",
        content: { url: MENU },
        routing: { rules: [{ url: IOS, os: ["ios"] }] },
        limits: { fallbackUrl: "https://example.com/sorry", fallbackWhenBroken: true },
      },
    });
    expect(created.status, created.text).toBe(201);
    const code = created.json;
    expect(code.health).toBeNull();
    expect(code.limits.fallbackWhenBroken).toBe(true);
    const local = targets({ [MENU]: 200, [IOS]: 405 });

    // First run: both checked (the iOS app store refuses HEAD: asked again with GET, which works).
    expect(await runAt(at(0), local.fetcher)).toBeGreaterThanOrEqual(2);
    expect(local.asked.filter((a) => a.url === IOS).map((a) => a.method)).toEqual(["HEAD", "GET"]);
    let read = (await call("GET", `/qr_codes/${code.id}`, { key: org.readKey })).json;
    expect(read.health).toMatchObject({ status: "ok", checkedAt: at(0).toISOString().replace(".000Z", "+00:00"), brokenSince: null, brokenUrls: [] });
    // Nothing is due again before about six hours.
    local.asked.length = 0;
    await runAt(at(5), local.fetcher);
    expect(local.asked.filter((a) => a.url === MENU)).toEqual([]);

    // It starts failing: one failure is a blip, the second (after a 5 min back-off) makes it broken.
    local.answers.set(MENU, 503);
    await runAt(at(6.7), local.fetcher);
    read = (await call("GET", `/qr_codes/${code.id}`, { key: org.readKey })).json;
    expect(read.health.status).toBe("ok");
    expect(await follow(code.metadata.shortToken)).toBe(MENU);
    await runAt(at(6.8), local.fetcher);
    read = (await call("GET", `/qr_codes/${code.id}`, { key: org.readKey })).json;
    expect(read.health).toMatchObject({ status: "broken", brokenSince: at(6.8).toISOString().replace(".000Z", "+00:00"), brokenUrls: [MENU] });
    expect(read.health.lastAnswer).toMatchObject({ url: MENU, status: 503, error: null });
    expect(await follow(code.metadata.shortToken)).toBe("https://example.com/sorry");

    // It recovers: the next check (the back-off doubled to 10 min) puts the destination back.
    local.answers.set(MENU, 200);
    await runAt(at(7), local.fetcher);
    expect(await follow(code.metadata.shortToken)).toBe(MENU);
    read = (await call("GET", `/qr_codes/${code.id}`, { key: org.readKey })).json;
    expect(read.health).toMatchObject({ status: "ok", brokenSince: null, brokenUrls: [] });
    // Health is not an edit: the code's version is unchanged.
    expect(read.metadata.updatedAt).toBe(code.metadata.updatedAt);

    const events = await eventsOf(org.orgId);
    expect(events.map((e) => e.type)).toEqual(["qr_code.destination_broken", "qr_code.destination_recovered"]);
    expect(events[0]!.data).toMatchObject({ id: code.id, health: { status: "broken" } });
  });

  it("without the opt-in the status shows but scans still go to the destination; no answer at all is a failure too", async () => {
    const org = await seedOrg();
    const DOWN = `https://down-${hostTag(org.orgId)}.example.net/`;
    const code = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Down", content: { url: DOWN }, limits: { fallbackUrl: "https://example.com/sorry" } } })).json;
    const local = targets({ [DOWN]: null });
    await runAt(at(100), local.fetcher);
    await runAt(at(100.1), local.fetcher);
    const read = (await call("GET", `/qr_codes/${code.id}`, { key: org.readKey })).json;
    expect(read.health.status).toBe("broken");
    expect(read.health.lastAnswer).toMatchObject({ status: null, error: expect.stringMatching(/^NETWORK/) });
    expect(await follow(code.metadata.shortToken)).toBe(DOWN);
  });

  it("a private host is not checked and never broken; a code's edit re-aims the checks", async () => {
    const org = await seedOrg();
    const code = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Intranet", content: { url: "http://intranet.local/wiki" } } })).json;
    const local = targets({});
    await runAt(at(200), local.fetcher);
    expect(local.asked.filter((a) => a.url.includes("intranet"))).toEqual([]);
    const read = (await call("GET", `/qr_codes/${code.id}`, { key: org.readKey })).json;
    expect(read.health).toBeNull();
    const rows = await env.DB.prepare("SELECT url, status, last_error FROM destination_checks WHERE code_id = ?1").bind(code.id).all<{ url: string; status: string; last_error: string }>();
    expect(rows.results).toEqual([{ url: "http://intranet.local/wiki", status: "unknown", last_error: expect.stringMatching(/^not checked: URL refused/) }]);

    const NEW = `https://new-${hostTag(org.orgId)}.example.com/`;
    await call("PATCH", `/qr_codes/${code.id}`, { key: org.writeKey, body: { content: { url: NEW } }, headers: { "Content-Type": "application/merge-patch+json" } });
    const after = await env.DB.prepare("SELECT url FROM destination_checks WHERE code_id = ?1").bind(code.id).all<{ url: string }>();
    expect(after.results.map((r) => r.url)).toEqual([NEW]);
    await call("DELETE", `/qr_codes/${code.id}`, { key: org.writeKey });
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM destination_checks WHERE code_id = ?1").bind(code.id).first<{ n: number }>())!.n).toBe(0);
  });

  it("each run is bounded, and checks of one host are spread over runs", async () => {
    const org = await seedOrg();
    const host = `busy-${hostTag(org.orgId)}.example.com`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await call("POST", "/qr_codes", { key: org.writeKey, body: { name: `c${i}`, content: { url: `https://${host}/${i}` } } })).json.id);
    const local = targets(Object.fromEntries(ids.map((_, i) => [`https://${host}/${i}`, 200])));
    const first = await checkDestinations(env, at(300), { fetcher: local.fetcher });
    expect(first).toBeLessThanOrEqual(CHECKS_PER_RUN);
    expect(local.asked.filter((a) => a.url.includes(host)).length).toBe(PER_HOST_PER_RUN);
    await runAt(at(300), local.fetcher);
    expect(new Set(local.asked.filter((a) => a.url.includes(host)).map((a) => a.url)).size).toBe(5);
  });
});
