import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { consumeVisits, DEAD_LETTER_MAX_RETRIES, DEAD_LETTER_QUEUE, retryDelaySeconds } from "../../src/analytics/consumer";
import type { VisitMessage } from "../../src/analytics/event";
import { isValidPagePass, issuePagePass } from "../../src/codes/page-pass";
import { app } from "../../src/app";
import { unexpectedErrorCount } from "../../src/http/errors";
import { checkWithin } from "../../src/http/health";
import { PDF_FIXTURE } from "../support/media-fixtures";
import { ALL_ACTIONS, bearer, expectAcsError, seedMessageOrg } from "./message-qrdl-support";
import { pairingGet, seedPairing } from "./pairing-support";
import { SAMPLES } from "./qr-samples";
import { call, captureVisits, fetchSettled, seedOrg } from "./qr-support";

/**
 * Faults and limits (issue 13): every limit holds for every kind of request, and a dependency
 * that fails (D1, KV, R2, a Durable Object, the queue) degrades the service instead of crashing
 * it or losing a scan. Faults are injected by wrapping the real bindings.
 */

afterEach(() => vi.restoreAllMocks());

const PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

async function visit(path: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  return exports.default.fetch(
    new Request(`https://qr.test${path}`, { method: init.method ?? "GET", redirect: "manual", headers: { "User-Agent": PHONE, "CF-Connecting-IP": "198.51.100.7", ...(init.headers ?? {}) } }),
  );
}


/** Every D1 call throws, as during an outage or a long lock. */
function failD1() {
  const fail = () => {
    throw new Error("simulated D1 outage");
  };
  return [vi.spyOn(env.DB, "prepare").mockImplementation(fail), vi.spyOn(env.DB, "batch").mockImplementation(fail), vi.spyOn(env.DB, "exec").mockImplementation(fail)];
}

async function createCode(key: string, body: Record<string, unknown>) {
  const res = await call("POST", "/qr_codes", { key, body: { name: "code", ...body } });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

/** Requests that are never counted as a scan, and so must never use up (nor get past) a budget. */
const UNCOUNTED: { name: string; method?: string; headers: Record<string, string> }[] = [
  { name: "HEAD", method: "HEAD", headers: {} },
  { name: "Purpose: prefetch", headers: { Purpose: "prefetch" } },
  { name: "Sec-Purpose: prefetch", headers: { "Sec-Purpose": "prefetch;prerender" } },
  { name: "empty User-Agent", headers: { "User-Agent": "" } },
  { name: "Slackbot", headers: { "User-Agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" } },
  { name: "WhatsApp", headers: { "User-Agent": "WhatsApp/2.23.20.0 A" } },
];

describe("A limit holds for every request", () => {
  it("once the scan budget is spent, previews, prefetches, HEAD and empty agents go where a person would", async () => {
    captureVisits();
    const org = await seedOrg();
    const withFallback = await createCode(org.writeKey, { content: { url: "https://example.com/prize" }, limits: { maxScans: 1, fallbackUrl: "https://example.com/sold-out" } });
    const strict = await createCode(org.writeKey, { content: { url: "https://example.com/prize" }, limits: { maxScans: 1 } });
    for (const code of [withFallback, strict]) {
      const token = code.metadata.shortToken;
      // Before the budget is spent they pass through, and take nothing from it.
      for (const request of UNCOUNTED) expect((await visit(`/r/${token}`, request)).headers.get("location"), request.name).toBe("https://example.com/prize");
      expect((await visit(`/r/${token}`)).headers.get("location")).toBe("https://example.com/prize");
      // The one scan was the person's; now nobody reaches the target.
      for (const request of UNCOUNTED) {
        const res = await visit(`/r/${token}`, request);
        if (code === withFallback) expect(res.headers.get("location"), request.name).toBe("https://example.com/sold-out");
        else expect(res.status, request.name).toBe(410);
      }
    }
    const used = await env.SCAN_LIMITER.get(env.SCAN_LIMITER.idFromName(withFallback.id)).used();
    expect(used).toBe(1);
  });

  it("outside the validity window nobody reaches the target either", async () => {
    captureVisits();
    const org = await seedOrg();
    const ended = await createCode(org.writeKey, { content: { url: "https://example.com/live" }, limits: { validUntil: "2020-01-01T00:00:00+00:00", fallbackUrl: "https://example.com/ended" } });
    const notYet = await createCode(org.writeKey, { content: { url: "https://example.com/live" }, limits: { validFrom: "2099-01-01T00:00:00+00:00" } });
    for (const request of [...UNCOUNTED, { name: "person", headers: {} }]) {
      expect((await visit(`/r/${ended.metadata.shortToken}`, request)).headers.get("location"), request.name).toBe("https://example.com/ended");
      expect((await visit(`/r/${notYet.metadata.shortToken}`, request)).status, request.name).toBe(410);
    }
  });
});

describe("A limit guards the hosted page too", () => {
  it("after the budget is spent a page opens only with the pass the admitted scan set", async () => {
    captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { type: "event", content: SAMPLES.event.content, limits: { maxScans: 1 } });
    const withFallback = await createCode(org.writeKey, { type: "text", content: SAMPLES.text.content, limits: { maxScans: 1, fallbackUrl: "https://example.com/over" } });
    const token = code.metadata.shortToken;
    // While the budget lasts, the page opens for anyone (a view never takes a scan).
    expect((await visit(`/p/${token}`)).status).toBe(200);
    const scan = await visit(`/r/${token}`);
    expect(scan.headers.get("location")).toBe(`https://qr.test/p/${token}`);
    const cookie = scan.headers.get("set-cookie")!;
    expect(cookie).toMatch(new RegExp(`^qr_pass=\\d+\\.[0-9a-f]{64}; Max-Age=600; Path=/p/${token}; HttpOnly; Secure; SameSite=Lax$`));
    const pass = cookie.split(";")[0]!;
    for (const path of [`/p/${token}`, `/p/${token}/event.ics`]) {
      expect((await visit(path, { headers: { Cookie: pass } })).status, path).toBe(200);
      expect((await visit(path)).status, path).toBe(410);
      expect((await visit(path, { headers: { "User-Agent": "WhatsApp/2.23.20.0 A" } })).status, path).toBe(410);
      // A pass of another token, or a forged one, is no pass.
      const forged = pass.replace(/[0-9a-f]$/, (ch) => (ch === "0" ? "1" : "0"));
      expect((await visit(path, { headers: { Cookie: forged } })).status, path).toBe(410);
    }
    // No pass for what took no scan: a preview following the short link is refused like anyone.
    expect((await visit(`/r/${token}`, { headers: { "User-Agent": "Slackbot-LinkExpanding 1.0" } })).headers.get("set-cookie")).toBeNull();
    // With a fallback, people without a pass go there.
    await visit(`/r/${withFallback.metadata.shortToken}`);
    const over = await visit(`/p/${withFallback.metadata.shortToken}`);
    expect(over.status).toBe(302);
    expect(over.headers.get("location")).toBe("https://example.com/over");
  });

  it("a pass expires after ten minutes and belongs to one token", async () => {
    const now = Date.parse("2026-12-02T12:00:00Z");
    const pass = (await issuePagePass(env, "AbCdEf12", now))!;
    expect(await isValidPagePass(env, "AbCdEf12", pass, now + 599_000)).toBe(true);
    expect(await isValidPagePass(env, "AbCdEf12", pass, now + 600_000)).toBe(false);
    expect(await isValidPagePass(env, "AbCdEf13", pass, now)).toBe(false);
    expect(await isValidPagePass(env, "AbCdEf12", `${Number(pass.split(".")[0]) + 3600}.${pass.split(".")[1]}`, now)).toBe(false);
    expect(await isValidPagePass(env, "AbCdEf12", undefined, now)).toBe(false);
  });

  it("with neither EDGE_HMAC_KEY nor ADMIN_TOKEN set, no pass is issued or accepted (the fallback key is public)", async () => {
    captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { type: "text", content: SAMPLES.text.content, limits: { maxScans: 1 } });
    const token = code.metadata.shortToken;
    const unkeyed = { ...env, ADMIN_TOKEN: undefined, EDGE_HMAC_KEY: undefined } as Env;
    const get = (path: string, cookie?: string) =>
      fetchSettled(new Request(`https://qr.test${path}`, { redirect: "manual", headers: { "User-Agent": PHONE, "CF-Connecting-IP": "198.51.100.9", ...(cookie ? { Cookie: cookie } : {}) } }), unkeyed);
    const scan = await get(`/r/${token}`);
    expect(scan.headers.get("location")).toBe(`https://qr.test/p/${token}`);
    expect(scan.headers.get("set-cookie")).toBeNull();
    // Anyone can sign with the fallback, which is in the source: such a pass must open nothing.
    const forged = await issuePagePass({ ...env, EDGE_HMAC_KEY: "edge-qr: set EDGE_HMAC_KEY" } as Env, token);
    expect((await get(`/p/${token}`, `qr_pass=${forged}`)).status).toBe(410);
  });
});

describe("B6: the render cache is per organization", () => {
  it("an identical code in another organization is drawn afresh, and no header tells of another tenant", async () => {
    const design = { type: "wifi", name: "Guest Wi-Fi", content: { ssid: "Office", password: "guessed-password", encryption: "WPA", hidden: false } };
    const a = await seedOrg();
    const b = await seedOrg();
    const codeA = await createCode(a.writeKey, design);
    const codeB = await createCode(b.writeKey, design);
    const body = { format: "png", size: 200 };
    const firstA = await call("POST", `/qr_codes/${codeA.id}/download`, { key: a.readKey, body });
    expect(firstA.headers.get("x-render-cache")).toBe("miss");
    expect((await call("POST", `/qr_codes/${codeA.id}/download`, { key: a.readKey, body })).headers.get("x-render-cache")).toBe("hit");
    const firstB = await call("POST", `/qr_codes/${codeB.id}/download`, { key: b.readKey, body });
    expect(firstB.status).toBe(200);
    expect(firstB.headers.get("x-render-cache")).toBe("miss");
    expect(firstB.headers.get("etag")).not.toBe(firstA.headers.get("etag"));
    // The same picture all the same.
    expect(firstB.bytes).toEqual(firstA.bytes);
  });
});

describe("C10: a scan needs nothing but the queue", () => {
  it("100 scans while D1 is down are all enqueued, and all stored once D1 is back", async () => {
    const { waitFor } = captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com/launch" } });
    const token = code.metadata.shortToken;
    // The redirect record is in KV (written by the create); from here on D1 fails every call.
    const dropped = (await call("GET", "/health")).json.droppedEvents;
    const errorsBefore = unexpectedErrorCount();
    const spies = failD1();
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => visit(`/r/${token}`, { headers: { "CF-Connecting-IP": `203.0.113.${i % 50}` } })));
    expect(answers.map((res) => res.status)).toEqual(Array(100).fill(302));
    const events = await waitFor(100, code.id);
    expect(spies[0]).not.toHaveBeenCalled();
    expect(spies[1]).not.toHaveBeenCalled();

    // The consumer cannot store them while D1 is down: every message is retried, none acknowledged.
    const messages = events.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body }));
    const failed = createMessageBatch("edge-qr-scans", messages);
    const failedCtx = createExecutionContext();
    const retries = failed.messages.map((message) => vi.spyOn(message, "retry"));
    expect(await consumeVisits(failed, env)).toEqual({ written: 0, malformed: 0 });
    // First failure: the next delivery in 10 s (then 20, 40, … up to 10 minutes).
    for (const retry of retries) expect(retry).toHaveBeenCalledWith({ delaySeconds: 10 });
    const failedResult = await getQueueResult(failed, failedCtx);
    expect(failedResult.explicitAcks).toEqual([]);
    expect(failedResult.retryMessages.map((m) => m.msgId).sort()).toEqual(messages.map((m) => m.id).sort());

    for (const spy of spies) spy.mockRestore();
    expect((await call("GET", "/health")).json.droppedEvents).toBe(dropped);
    expect(unexpectedErrorCount()).toBe(errorsBefore);
    const redelivered = createMessageBatch("edge-qr-scans", messages.map((m) => ({ ...m, attempts: 2 })));
    const ctx = createExecutionContext();
    expect(await consumeVisits(redelivered, env)).toEqual({ written: 100, malformed: 0 });
    expect((await getQueueResult(redelivered, ctx)).explicitAcks).toHaveLength(100);
    const stored = await env.DB.prepare("SELECT COUNT(*) AS n FROM scan_events WHERE code_id = ?1").bind(code.id).first("n");
    expect(stored).toBe(100);
    expect((await call("GET", `/qr_codes/${code.id}`, { key: org.readKey })).json.analytics).toEqual({ scans: 100, clicks: 0 });
    // 50 addresses with one agent: 50 unique visitors that day.
    const uniques = await env.DB.prepare("SELECT COUNT(*) AS n FROM scan_daily_visitors WHERE code_id = ?1").bind(code.id).first("n");
    expect(uniques).toBe(50);
  });

  it("stores only a salted hash of the edge's key: no address, and nothing the edge sent", async () => {
    const { waitFor } = captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com/launch" } });
    await visit(`/r/${code.metadata.shortToken}`, { headers: { "CF-Connecting-IP": "192.0.2.44" } });
    const [event] = await waitFor(1, code.id);
    expect(JSON.stringify(event)).not.toContain("192.0.2.44");
    const batch = createMessageBatch("edge-qr-scans", [{ id: "only", timestamp: new Date(), attempts: 1, body: event }]);
    await consumeVisits(batch, env);
    const row = await env.DB.prepare("SELECT * FROM scan_events WHERE code_id = ?1").bind(code.id).first<Record<string, unknown>>();
    expect(row!.visitor).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(row)).not.toContain("192.0.2.44");
    expect(JSON.stringify(row)).not.toContain(event!.visitorKey.slice(0, 16));
  });

  it("the dead-letter queue's last try logs the event (without its visitor hash) and counts it, never silently", async () => {
    const { waitFor } = captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com/late" } });
    await visit(`/r/${code.metadata.shortToken}`);
    const [event] = await waitFor(1, code.id);
    const dropped = (await call("GET", "/health")).json.droppedEvents;
    failD1();
    const log = vi.spyOn(console, "error");
    const batch = createMessageBatch(DEAD_LETTER_QUEUE, [
      { id: "early", timestamp: new Date(), attempts: 5, body: event },
      { id: "last", timestamp: new Date(), attempts: DEAD_LETTER_MAX_RETRIES, body: event },
    ]);
    const ctx = createExecutionContext();
    expect(await consumeVisits(batch, env)).toEqual({ written: 0, malformed: 0 });
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["last"]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["early"]);
    vi.restoreAllMocks();
    expect((await call("GET", "/health")).json.droppedEvents).toBe(dropped + 1);
    const line = log.mock.calls.map(([text]) => String(text)).find((text) => text.includes("visit_dropped"))!;
    expect(JSON.parse(line).visit).toMatchObject({ id: event!.id, codeId: code.id });
    expect(line).not.toContain(event!.visitorKey);
  });

  it("waits longer after each failed delivery, up to ten minutes", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 10].map(retryDelaySeconds)).toEqual([10, 20, 40, 80, 160, 320, 600, 600]);
  });

  it("acknowledges /health's queue probe without writing anything", async () => {
    const batch = createMessageBatch("edge-qr-scans", [{ id: "probe", timestamp: new Date(), attempts: 1, body: { probe: "health" } }]);
    const ctx = createExecutionContext();
    expect(await consumeVisits(batch, env)).toEqual({ written: 0, malformed: 0 });
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["probe"]);
  });
});

describe("C11: a KV error is answered from D1", () => {
  it("short links and hosted pages keep working while KV throws, and the failure is logged", async () => {
    captureVisits();
    const org = await seedOrg();
    const url = await createCode(org.writeKey, { content: { url: "https://example.com/kv-down" } });
    const text = await createCode(org.writeKey, { type: "text", content: SAMPLES.text.content });
    const get = vi.spyOn(env.LINKS, "get").mockRejectedValue(new Error("simulated KV outage"));
    const log = vi.spyOn(console, "error");
    const errorsBefore = unexpectedErrorCount();
    const redirect = await visit(`/r/${url.metadata.shortToken}`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("https://example.com/kv-down");
    const page = await visit(`/p/${text.metadata.shortToken}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
    expect(get).toHaveBeenCalled();
    expect(log.mock.calls.some(([line]) => String(line).includes("kv_read_failed"))).toBe(true);
    expect(unexpectedErrorCount()).toBe(errorsBefore);
    // An unknown token is still a 404 page, not an error.
    expect((await visit("/r/ZZZZzzzz")).status).toBe(404);
  });

  it("during a KV outage a token costs D1 one read, then its answer is kept in memory", async () => {
    captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com/shared" } });
    vi.spyOn(env.LINKS, "get").mockRejectedValue(new Error("simulated KV outage"));
    const prepare = vi.spyOn(env.DB, "prepare");
    for (let i = 0; i < 20; i++) expect((await visit(`/r/${code.metadata.shortToken}`)).status).toBe(302);
    const lookups = prepare.mock.calls.filter(([sql]) => String(sql).includes("short_token = ?1"));
    expect(lookups).toHaveLength(1);
  });

  it("with KV and D1 both down, people get a 503 page with Retry-After, never JSON", async () => {
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com/both-down" } });
    const page = await createCode(org.writeKey, { type: "text", content: SAMPLES.text.content });
    vi.spyOn(env.LINKS, "get").mockRejectedValue(new Error("simulated KV outage"));
    failD1();
    const errorsBefore = unexpectedErrorCount();
    for (const path of [`/r/${code.metadata.shortToken}`, `/p/${page.metadata.shortToken}`]) {
      const res = await visit(path);
      expect(res.status, path).toBe(503);
      expect(res.headers.get("retry-after"), path).toBe("30");
      expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
      expect(res.headers.get("cache-control"), path).toBe("no-store");
      expect(await res.text(), path).toContain("briefly unavailable");
    }
    // A dependency outage is not a crash.
    expect(unexpectedErrorCount()).toBe(errorsBefore);
  });
});

describe("C12: caches and limiters degrade", () => {
  it("a failing R2 render cache and Cache API make a download render, not fail", async () => {
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com/r2-down" } });
    vi.spyOn(env.FILES, "get").mockRejectedValue(new Error("simulated R2 outage"));
    vi.spyOn(env.FILES, "put").mockRejectedValue(new Error("simulated R2 outage"));
    vi.spyOn(caches.default, "match").mockRejectedValue(new Error("simulated cache failure"));
    const res = await call("POST", `/qr_codes/${code.id}/download`, { key: org.readKey, body: { format: "png", size: 200 } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect([...res.bytes.subarray(0, 4)]).toEqual([137, 80, 78, 71]);
  });

  it("a failing scan limiter sends people to the fallback, or to a 503 page with Retry-After", async () => {
    const { waitFor } = captureVisits();
    const org = await seedOrg();
    const withFallback = await createCode(org.writeKey, { content: { url: "https://example.com/prize" }, limits: { maxScans: 5, fallbackUrl: "https://example.com/later" } });
    const strict = await createCode(org.writeKey, { content: { url: "https://example.com/prize" }, limits: { maxScans: 5 } });
    const failing = { consume: () => Promise.reject(new Error("simulated Durable Object outage")), peek: () => Promise.reject(new Error("simulated Durable Object outage")) };
    vi.spyOn(env.SCAN_LIMITER, "get").mockReturnValue(failing as unknown as DurableObjectStub<import("../../src/objects/scan-limiter").ScanLimiter>);
    const errorsBefore = unexpectedErrorCount();
    const fallback = await visit(`/r/${withFallback.metadata.shortToken}`);
    expect(fallback.status).toBe(302);
    expect(fallback.headers.get("location")).toBe("https://example.com/later");
    const refused = await visit(`/r/${strict.metadata.shortToken}`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("30");
    expect(refused.headers.get("content-type")).toMatch(/^text\/html/);
    expect(unexpectedErrorCount()).toBe(errorsBefore);
    // The scans happened and are recorded, with where they went.
    expect((await waitFor(1, withFallback.id))[0]!.outcome).toBe("fallback");
    expect((await waitFor(1, strict.id))[0]!.outcome).toBe("refused");
  });
});

describe("C12: stored files when R2 fails", () => {
  async function uploadPdf(key: string) {
    const form = new FormData();
    form.append("purpose", "file");
    form.append("file", new Blob([PDF_FIXTURE], { type: "application/pdf" }), "menu.pdf");
    return exports.default.fetch(new Request("https://qr.test/files", { method: "POST", headers: { Authorization: `Bearer ${key}` }, body: form }));
  }

  it("uploads and file reads answer 503 with Retry-After in their envelope, not a crash", async () => {
    const org = await seedOrg();
    const stored = await uploadPdf(org.writeKey);
    expect(stored.status).toBe(201);
    const { id } = await stored.json<{ id: string }>();
    const errorsBefore = unexpectedErrorCount();
    vi.spyOn(env.FILES, "get").mockRejectedValue(new Error("simulated R2 outage"));
    vi.spyOn(env.FILES, "put").mockRejectedValue(new Error("simulated R2 outage"));
    const read = await visit(`/files/${id}`);
    expect(read.status).toBe(503);
    expect(read.headers.get("retry-after")).toBe("30");
    expect(read.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const refused = await uploadPdf(org.writeKey);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("30");
    expect((await refused.json<{ status: number }>()).status).toBe(503);
    expect(unexpectedErrorCount()).toBe(errorsBefore);
  });
});

describe("C12: the other Durable Objects", () => {
  it("a failing message-QR rate limiter is a 503 ServiceUnavailable in Alibaba's envelope, with Retry-After", async () => {
    const org = await seedMessageOrg();
    const token = await org.issueBearer("read-write", ALL_ACTIONS);
    const failing = { admit: () => Promise.reject(new Error("simulated Durable Object outage")) };
    vi.spyOn(env.CALLER_GATE, "get").mockReturnValue(failing as unknown as ReturnType<typeof env.CALLER_GATE.get>);
    const errorsBefore = unexpectedErrorCount();
    const answer = await bearer(token, "ListPhoneMessageQrdl", { PhoneNumber: org.phone, CustSpaceId: org.space });
    expectAcsError(answer, "ServiceUnavailable", 503);
    expect(answer.headers.get("retry-after")).toBe("30");
    expect(unexpectedErrorCount()).toBe(errorsBefore);
  });

  it("an error Cloudflare marks retryable (a pairing object reset) is a 503, not a crash", async () => {
    const seed = await seedPairing();
    const reset = Object.assign(new Error("Durable Object reset because its code was updated."), { retryable: true });
    vi.spyOn(env.PAIRING_INSTANCE, "get").mockReturnValue(new Proxy({}, { get: () => () => Promise.reject(reset) }) as unknown as ReturnType<typeof env.PAIRING_INSTANCE.get>);
    const errorsBefore = unexpectedErrorCount();
    const res = await pairingGet(seed, "qr-code");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("30");
    expect(unexpectedErrorCount()).toBe(errorsBefore);
  });
});

describe("C14: a client that leaves is not a crash", () => {
  it("a download whose client went away stops, answers 499 and counts no crash", async () => {
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { content: { url: "https://example.com/gone" }, appearance: { dotsOptionsType: "rounded", dotsOptionsColor: "#112233" } });
    const errorsBefore = unexpectedErrorCount();
    const log = vi.spyOn(console, "log");
    for (const size of [600, 3000]) {
      const controller = new AbortController();
      controller.abort();
      const res = await app.fetch(
        new Request(`https://qr.test/qr_codes/${code.id}/download?format=png&size=${size}`, { headers: { Authorization: `Bearer ${org.readKey}` }, signal: controller.signal }),
        env,
        createExecutionContext(),
      );
      expect(res.status, String(size)).toBe(499);
    }
    expect(unexpectedErrorCount()).toBe(errorsBefore);
    expect(log.mock.calls.filter(([line]) => String(line).includes("request_aborted"))).toHaveLength(2);
    // Nothing was drawn for nobody: the next request renders afresh (a miss), and succeeds.
    const res = await call("GET", `/qr_codes/${code.id}/download?format=png&size=600`, { key: org.readKey });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-render-cache")).toBe("miss");
  });
});

describe("C13: /health tells the truth", () => {
  const ADMIN = { Authorization: "Bearer test-admin-token" };
  const health = (admin = true) => call("GET", "/health", admin ? { headers: ADMIN } : {});

  it("reports every dependency and answers 200 when all answer", async () => {
    const res = await health();
    expect(res.status).toBe(200);
    expect(res.json.status).toBe("ok");
    expect(res.json.database).toBe("ok");
    for (const name of ["d1", "kv", "r2", "archive", "queue"]) expect(res.json.dependencies[name].status, name).toBe("ok");
    expect(res.json.dependencyFailures).toEqual(expect.any(Number));
  });

  const outages: [string, () => void][] = [
    ["d1", () => void failD1()],
    ["kv", () => void vi.spyOn(env.LINKS, "get").mockRejectedValue(new Error("simulated KV outage"))],
    ["r2", () => void vi.spyOn(env.FILES, "head").mockRejectedValue(new Error("simulated R2 outage"))],
    ["archive", () => void vi.spyOn(env.ARCHIVE, "head").mockRejectedValue(new Error("simulated archive outage"))],
    ["queue", () => void vi.spyOn(env.SCANS, "send").mockRejectedValue(new Error("simulated queue outage"))],
  ];
  for (const [name, inject] of outages) {
    it(`answers 503 degraded when ${name} fails, naming it`, async () => {
      inject();
      const res = await health();
      expect(res.status).toBe(503);
      expect(res.json.status).toBe("degraded");
      expect(res.json.dependencies[name].status).toBe("unavailable");
      expect(res.json.dependencies[name].error).toContain("simulated");
      for (const other of ["d1", "kv", "r2", "archive", "queue"].filter((n) => n !== name)) expect(res.json.dependencies[other].status, other).toBe("ok");
      expect(res.json.database).toBe(name === "d1" ? "unavailable" : "ok");
    });
  }

  it("a dependency that never answers is reported unavailable when its time is up", async () => {
    const report = await checkWithin("r2", () => new Promise(() => undefined), 5);
    expect(report).toMatchObject({ status: "unavailable", error: "no answer within 5 ms" });
  });

  it("anonymous callers get the last report for 10 s, without error text", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.parse("2026-12-02T12:00:00Z"));
      expect((await health()).status).toBe(200);
      const send = vi.spyOn(env.SCANS, "send").mockRejectedValue(new Error("simulated queue outage"));
      // Within 10 s: the report the last call made, so a flood of anonymous calls probes nothing.
      vi.setSystemTime(Date.parse("2026-12-02T12:00:09Z"));
      expect((await health(false)).status).toBe(200);
      expect(send).not.toHaveBeenCalled();
      vi.setSystemTime(Date.parse("2026-12-02T12:00:10Z"));
      const stale = await health(false);
      expect(stale.status).toBe(503);
      expect(stale.json.dependencies.queue).toEqual({ status: "unavailable", latencyMs: expect.any(Number), role: expect.any(String) });
      expect(send).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
