import { createMessageBatch, getQueueResult, createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { consumeVisits } from "../../src/analytics/consumer";
import type { VisitMessage } from "../../src/analytics/event";
import { SAMPLES } from "./qr-samples";
import { call, captureVisits, seedOrg } from "./qr-support";

afterEach(() => vi.restoreAllMocks());

const BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

async function scan(token: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  return exports.default.fetch(
    new Request(`https://qr.test/r/${token}`, { method: init.method ?? "GET", redirect: "manual", headers: { "User-Agent": BROWSER, "CF-Connecting-IP": "198.51.100.7", ...(init.headers ?? {}) } }),
  );
}


async function createCode(key: string, body: Record<string, unknown>) {
  const res = await call("POST", "/qr_codes", { key, body: { name: "code", ...body } });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

describe("GET /r/{token}", () => {
  it("sends every dynamic type where the contract says, uncacheable and unindexed", async () => {
    captureVisits();
    const org = await seedOrg();
    for (const type of ["url", "text", "links", "event", "vcard"] as const) {
      const code = await createCode(org.writeKey, { type, content: SAMPLES[type].content });
      const res = await scan(code.metadata.shortToken);
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe(type === "url" ? "https://example.com/launch?utm=qr" : `https://qr.test/p/${code.metadata.shortToken}`);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("x-robots-tag")).toBe("noindex");
    }
  });

  it("answers unknown, deleted and malformed tokens with a small 404 page", async () => {
    captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com" } });
    await call("DELETE", `/qr_codes/${code.id}`, { key: org.writeKey });
    for (const token of [code.metadata.shortToken, "Zz9Zz9Zz", "short", "waytoolongtoken", "..%2F..%2Fx", "abc$defg"]) {
      const res = await scan(token);
      expect(res.status, token).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const html = await res.text();
      expect(html).toMatch(/^<!doctype html>/i);
      expect(html.length).toBeLessThan(2000);
    }
  });

  it("refills KV from D1 on a miss, and follows an edited target", async () => {
    captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com/one" } });
    const token = code.metadata.shortToken;
    await env.LINKS.delete(token);
    const res = await scan(token);
    expect(res.headers.get("location")).toBe("https://example.com/one");
    let refilled = null;
    for (let i = 0; i < 100 && !refilled; i++) {
      refilled = await env.LINKS.get(token, "json");
      if (!refilled) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(refilled).toMatchObject({ codeId: code.id, target: "https://example.com/one" });
    await call("PUT", `/qr_codes/${code.id}`, { key: org.writeKey, body: { name: "code", content: { url: "https://example.com/two" } } });
    expect((await scan(token)).headers.get("location")).toBe("https://example.com/two");
  });

  it("a hot token costs one KV read per isolate every few seconds, not one per scan", async () => {
    captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com/hot" } });
    const get = vi.spyOn(env.LINKS, "get");
    // The memory's clock stands still, so the 20 scans fall within its 5 s however slow the machine.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      for (let i = 0; i < 20; i++) expect((await scan(code.metadata.shortToken)).headers.get("location")).toBe("https://example.com/hot");
      expect(get.mock.calls.filter(([key]) => key === code.metadata.shortToken).length).toBeLessThanOrEqual(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("HEAD answers like GET", async () => {
    const { waitFor } = captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com" } });
    const res = await scan(code.metadata.shortToken, { method: "HEAD" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://example.com/");
    const [event] = await waitFor(1, code.id);
    expect(event).toMatchObject({ bot: true, botReason: "head" });
  });
});

describe("limits", () => {
  it("outside the window: the fallback, or a 410 page", async () => {
    captureVisits();
    const org = await seedOrg();
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const past = new Date(Date.now() - 86_400_000).toISOString();
    const notYet = await createCode(org.writeKey, { content: { url: "https://example.com/live" }, limits: { validFrom: future } });
    const res = await scan(notYet.metadata.shortToken);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain("not active yet");
    const ended = await createCode(org.writeKey, { content: { url: "https://example.com/live" }, limits: { validUntil: past, fallbackUrl: "https://example.com/ended" } });
    expect((await scan(ended.metadata.shortToken)).headers.get("location")).toBe("https://example.com/ended");
    const open = await createCode(org.writeKey, { content: { url: "https://example.com/live" }, limits: { validFrom: past, validUntil: future } });
    expect((await scan(open.metadata.shortToken)).headers.get("location")).toBe("https://example.com/live");
    expect(open.limits).toEqual({ validFrom: past, validUntil: future, maxScans: null, fallbackUrl: null, fallbackWhenBroken: false });
  });

  it("maxScans is exact under 50 concurrent scans, and only people use it up", async () => {
    const { waitFor } = captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com/prize" }, limits: { maxScans: 7, fallbackUrl: "https://example.com/sold-out" } });
    const token = code.metadata.shortToken;
    // A preview and a HEAD first: they pass through without taking from the budget.
    expect((await scan(token, { headers: { "User-Agent": "WhatsApp/2.23.20.0 A" } })).headers.get("location")).toBe("https://example.com/prize");
    expect((await scan(token, { method: "HEAD" })).status).toBe(302);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => scan(token, { headers: { "CF-Connecting-IP": `203.0.113.${i}` } })));
    const locations = results.map((r) => r.headers.get("location"));
    expect(locations.filter((l) => l === "https://example.com/prize")).toHaveLength(7);
    expect(locations.filter((l) => l === "https://example.com/sold-out")).toHaveLength(43);
    const events = await waitFor(52, code.id);
    expect(events.filter((e) => e.outcome === "fallback")).toHaveLength(43);
    // Without a fallback the code says it has ended.
    const strict = await createCode(org.writeKey, { content: { url: "https://example.com/x" }, limits: { maxScans: 1 } });
    expect((await scan(strict.metadata.shortToken)).status).toBe(302);
    const over = await scan(strict.metadata.shortToken);
    expect(over.status).toBe(410);
    expect(await over.text()).toContain("no longer active");
  });

  it("codes without a limit never touch the limiter", async () => {
    captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com" } });
    const get = vi.spyOn(env.SCAN_LIMITER, "get");
    expect((await scan(code.metadata.shortToken)).status).toBe(302);
    expect(get).not.toHaveBeenCalled();
  });

  it("validates limits and keeps them off static codes", async () => {
    const org = await seedOrg();
    const bad = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "x", content: { url: "https://example.com" }, limits: { maxScans: 0, fallbackUrl: "javascript:alert(1)", validFrom: "2026-12-02T00:00:00Z", validUntil: "2026-12-01T00:00:00Z" } } });
    expect(bad.json.violations).toEqual([
      { propertyPath: "limits.maxScans", message: "must be 1 or more" },
      { propertyPath: "limits.fallbackUrl", message: "must be an absolute http:// or https:// URL" },
      { propertyPath: "limits.validUntil", message: "must be after validFrom" },
    ]);
    const order = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "x", content: { url: "https://example.com" }, limits: { validFrom: "2026-12-02T00:00:00Z", validUntil: "2026-12-01T00:00:00Z" } } });
    expect(order.json.violations).toEqual([{ propertyPath: "limits.validUntil", message: "must be after validFrom" }]);
    const staticCode = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "x", type: "call", content: { phoneNumber: "+15550100" }, limits: { maxScans: 3 } } });
    expect(staticCode.json.violations[0].propertyPath).toBe("limits");
  });
});

describe("scan events", () => {
  it("describe the scan without any raw address, and flag what is not a person", async () => {
    const { waitFor } = captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com" } });
    const token = code.metadata.shortToken;
    const requests: Record<string, string>[] = [
      { Referer: "https://news.example.org/story" },
      {},
      { "CF-Connecting-IP": "198.51.100.8" },
      { "User-Agent": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)" },
      { "User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)" },
      { "Sec-Purpose": "prefetch;prerender" },
      { "User-Agent": "" },
    ];
    // One at a time: events are sent after each response, in no guaranteed order across requests.
    for (const [i, headers] of requests.entries()) {
      await scan(token, { headers });
      await waitFor(i + 1, code.id);
    }
    const events = await waitFor(requests.length, code.id);
    const [first, second, otherIp, preview, crawler, prefetch, empty] = events;
    expect(first).toMatchObject({ kind: "scan", codeId: code.id, orgId: org.orgId, bot: false, botReason: null, device: "mobile", os: "iOS", browser: "Mobile Safari", referrerHost: "news.example.org", outcome: "target" });
    expect(first!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first!.at).toMatch(/\+00:00$/);
    // The edge's keyed hash of (day, address, agent); the consumer salts it again before storing.
    expect(first!.visitorKey).toMatch(/^[0-9a-f]{64}$/);
    expect(second!.visitorKey).toBe(first!.visitorKey);
    expect(otherIp!.visitorKey).not.toBe(first!.visitorKey);
    expect(JSON.stringify(events)).not.toContain("198.51.100");
    expect(preview).toMatchObject({ bot: true, botReason: "preview", device: "bot" });
    expect(crawler).toMatchObject({ bot: true, botReason: "isbot" });
    expect(prefetch).toMatchObject({ bot: true, botReason: "prefetch" });
    expect(empty).toMatchObject({ bot: true, botReason: "isbot" });
  });

  it("scans served side by side reach the queue in shared batches, each event exactly once", async () => {
    const { spy: send, batchSpy, waitFor } = captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com" } });
    const token = code.metadata.shortToken;
    // Each its own request (and request context), as a viral code's scans reach one isolate: more
    // than one batch holds (100), so a full batch hands the next events to another.
    const responses = await Promise.all(Array.from({ length: 120 }, (_, i) => scan(token, { headers: { "CF-Connecting-IP": `198.51.${Math.floor(i / 100)}.${(i % 100) + 1}` } })));
    expect(responses.map((res) => res.status)).toEqual(Array(120).fill(302));
    const events = await waitFor(120, code.id);
    expect(new Set(events.map((event) => event.id)).size).toBe(120);
    expect(new Set(events.map((event) => event.visitorKey)).size).toBe(120);
    // Every event left in a batch (analytics/outbox.ts): none needed the fallback of a send of its own.
    expect(send).not.toHaveBeenCalled();
    const batched = batchSpy.mock.calls.flatMap(([messages]) => [...messages].map((m) => m.body as VisitMessage)).filter((event) => event.codeId === code.id);
    expect(batched).toHaveLength(120);
    expect(batchSpy.mock.calls.every(([messages]) => [...messages].length <= 100)).toBe(true);
  });

  it("a failing queue never fails the redirect; the dropped event is counted and reported", async () => {
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com" } });
    const before = (await call("GET", "/health")).json.droppedEvents;
    const send = vi.spyOn(env.SCANS, "send").mockRejectedValue(new Error("queue unavailable"));
    const sendBatch = vi.spyOn(env.SCANS, "sendBatch").mockRejectedValue(new Error("queue unavailable"));
    const res = await scan(code.metadata.shortToken);
    expect(res.status).toBe(302);
    let after = before;
    for (let i = 0; i < 100 && after === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      after = (await call("GET", "/health")).json.droppedEvents;
    }
    expect(after).toBe(before + 1);
    // Its batch, then three attempts of its own (/health's own queue probes go through the same producer).
    expect(sendBatch.mock.calls.filter(([messages]) => [...messages].some((m) => (m.body as { codeId?: string }).codeId === code.id))).toHaveLength(1);
    expect(send.mock.calls.filter(([body]) => (body as { codeId?: string }).codeId === code.id)).toHaveLength(3);
  });

  it("flow into the code's counters through the consumer, once even when redelivered", async () => {
    const { waitFor } = captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com" } });
    const token = code.metadata.shortToken;
    await scan(token);
    await scan(token, { headers: { "CF-Connecting-IP": "198.51.100.9" } });
    await scan(token, { headers: { "User-Agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" } });
    const events = await waitFor(3, code.id);
    const messages = events.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body }));
    for (let delivery = 1; delivery <= 2; delivery++) {
      const batch = createMessageBatch("edge-qr-scans", messages);
      const ctx = createExecutionContext();
      expect(await consumeVisits(batch, env)).toEqual({ written: 3, malformed: 0 });
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
      const read = await call("GET", `/qr_codes/${code.id}`, { key: org.readKey });
      expect(read.json.analytics).toEqual({ scans: 2, clicks: 0 });
    }
    const daily = await env.DB.prepare("SELECT total, humans, bots FROM scan_daily WHERE code_id = ?1").bind(code.id).first();
    expect(daily).toEqual({ total: 3, humans: 2, bots: 1 });
    const uniques = await env.DB.prepare("SELECT COUNT(*) AS n FROM scan_daily_visitors WHERE code_id = ?1").bind(code.id).first("n");
    expect(uniques).toBe(2);
  });
});
