import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { consumeVisits } from "../../src/analytics/consumer";
import type { VisitEvent } from "../../src/analytics/event";
import { unexpectedErrorCount } from "../../src/http/errors";
import { deliverWebhooks, WEBHOOK_DEAD_LETTER_QUEUE, WEBHOOK_QUEUE } from "../../src/webhooks/delivery";
import { emitWebhookEvents, UNSENT_AFTER_MS, type WebhookMessage } from "../../src/webhooks/events";
import { jobs } from "../../src/cron";
import { call, captureVisits, seedOrg } from "./qr-support";

// Signed webhooks through HTTP in workerd. Queue sends are captured (never sent), the delivery
// consumer runs on batches built here, and the receiver is a function: no network at all. Every
// signature is checked with the standardwebhooks reference library.

const RECEIVER = "https://hooks.example.com/edge-qr";
const ALL_EVENTS = ["qr_code.created", "qr_code.updated", "qr_code.deleted", "qr_code.scanned", "qr_code.scan_limit_reached"];

interface Received {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The queued delivery ids, in order (sendBatch from events, send from redelivery). */
let queued: string[] = [];
beforeEach(() => {
  queued = [];
  vi.spyOn(env.WEBHOOKS, "sendBatch").mockImplementation(async (messages) => {
    for (const message of messages) queued.push((message.body as WebhookMessage).deliveryId);
    return undefined as never;
  });
  vi.spyOn(env.WEBHOOKS, "send").mockImplementation(async (body) => {
    queued.push((body as WebhookMessage).deliveryId);
    return undefined as never;
  });
});
afterEach(() => vi.restoreAllMocks());

/** A receiver answering `status` (a function of the call's index) and recording every request. */
function receiver(status: (index: number) => number = () => 204) {
  const received: Received[] = [];
  const fetcher = async (url: string, init: RequestInit) => {
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    received.push({ url, headers, body: String(init.body) });
    return new Response(status(received.length - 1) < 300 ? null : "receiver down", { status: status(received.length - 1) });
  };
  return { received, fetcher };
}

/** Runs the delivery consumer on these deliveries as the runtime would, and returns what it acked and retried. */
async function deliver(deliveryIds: string[], fetcher: ReturnType<typeof receiver>["fetcher"], options: { attempts?: number; queue?: string; now?: () => Date } = {}) {
  const batch = createMessageBatch<WebhookMessage>(
    options.queue ?? WEBHOOK_QUEUE,
    deliveryIds.map((deliveryId, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: options.attempts ?? 1, body: { deliveryId } })),
  );
  // getQueueResult does not report a retry's delay: the messages' retry() tells it.
  const retries = batch.messages.map((message) => vi.spyOn(message, "retry"));
  const ctx = createExecutionContext();
  await deliverWebhooks(batch, env, { fetcher, now: options.now });
  const delays = retries.flatMap((retry) => retry.mock.calls.map(([opts]) => opts?.delaySeconds));
  return { ...(await getQueueResult(batch, ctx)), delays };
}

async function webhookOrg() {
  const org = await seedOrg();
  const manager = await org.issueKey({ role: "read-write", actions: ["qr:ReadQrCode", "qr:WriteQrCode", "webhooks:ManageWebhooks"] });
  return { ...org, hookKey: manager.secret };
}

async function createEndpoint(key: string, body: unknown = { url: RECEIVER, events: ALL_EVENTS }) {
  const res = await call("POST", "/webhooks", { key, body });
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; secret: string; status: string };
}

const verify = (secret: string, request: Received) => new Webhook(secret).verify(request.body, request.headers) as { type: string; timestamp: string; data: any };

describe("webhook endpoints", () => {
  it("creates an endpoint whose secret is shown once, and keeps it to its organization and its permission", async () => {
    const org = await webhookOrg();
    const created = await createEndpoint(org.hookKey, { url: RECEIVER, events: ["qr_code.created", "qr_code.created"], description: "CRM" });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(created).toMatchObject({ url: RECEIVER, events: ["qr_code.created"], description: "CRM", status: "enabled", failureStreak: 0 });

    const read = await call("GET", `/webhooks/${created.id}`, { key: org.hookKey });
    expect(read.status).toBe(200);
    expect(read.json.secret).toBeUndefined();
    expect(read.text).not.toContain(created.secret.slice(10));
    expect(read.json.secretPrefix).toBe(`${created.secret.slice(0, 10)}…`);
    const list = await call("GET", "/webhooks", { key: org.hookKey });
    expect(list.json.items.map((e: { id: string }) => e.id)).toEqual([created.id]);
    // Stored sealed, never in the clear.
    const row = await env.DB.prepare("SELECT secret_sealed FROM webhook_endpoints WHERE id = ?1").bind(created.id).first<{ secret_sealed: string }>();
    expect(row!.secret_sealed).not.toContain(created.secret.slice(6));

    // The QR code keys lack the action; a read-only key cannot write; another organization sees nothing.
    expect((await call("GET", "/webhooks", { key: org.writeKey })).status).toBe(403);
    const readOnly = await org.issueKey({ role: "read-only", actions: ["webhooks:ManageWebhooks"] });
    expect((await call("GET", "/webhooks", { key: readOnly.secret })).status).toBe(200);
    expect((await call("POST", "/webhooks", { key: readOnly.secret, body: { url: RECEIVER, events: ALL_EVENTS } })).status).toBe(403);
    expect((await call("GET", "/webhooks")).status).toBe(401);
    const other = await webhookOrg();
    expect((await call("GET", `/webhooks/${created.id}`, { key: other.hookKey })).status).toBe(404);
    expect((await call("DELETE", `/webhooks/${created.id}`, { key: other.hookKey })).status).toBe(404);
    expect((await call("GET", "/webhooks", { key: other.hookKey })).json.items).toEqual([]);

    const patched = await call("PATCH", `/webhooks/${created.id}`, { key: org.hookKey, body: { events: ["qr_code.deleted"] } });
    expect(patched.json).toMatchObject({ url: RECEIVER, events: ["qr_code.deleted"], description: "CRM" });
    expect((await call("DELETE", `/webhooks/${created.id}`, { key: org.hookKey })).status).toBe(204);
    expect((await call("GET", `/webhooks/${created.id}`, { key: org.hookKey })).status).toBe(404);
  });

  it("refuses private, loopback and non-https target URLs (400 on url), at creation and on change", async () => {
    const org = await webhookOrg();
    for (const url of ["https://127.0.0.1/hook", "https://localhost/hook", "https://[::1]/hook", "https://10.0.0.8/hook", "http://hooks.example.com/hook", "https://169.254.169.254/latest", "https://127.0.0.1.nip.io/x", "https://hooks.example.com:8443/x", "not a url"]) {
      const res = await call("POST", "/webhooks", { key: org.hookKey, body: { url, events: ALL_EVENTS } });
      expect(res.status, url).toBe(400);
      expect(res.json.violations.map((v: { propertyPath: string }) => v.propertyPath), url).toEqual(["url"]);
    }
    const endpoint = await createEndpoint(org.hookKey);
    expect((await call("PATCH", `/webhooks/${endpoint.id}`, { key: org.hookKey, body: { url: "https://192.168.1.1/" } })).status).toBe(400);
    expect((await call("GET", "/webhooks", { key: org.hookKey })).json.items.map((e: { url: string }) => e.url)).toEqual([RECEIVER]);
  });
});

describe("webhook deliveries", () => {
  it("sends code created, updated and deleted, each signed as Standard Webhooks says, and logs every attempt", async () => {
    const org = await webhookOrg();
    const endpoint = await createEndpoint(org.hookKey);
    const unsubscribed = await createEndpoint(org.hookKey, { url: "https://other.example.com/x", events: ["qr_code.scanned"] });
    const created = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Poster", type: "url", content: { url: "https://example.com/a" } } });
    expect(created.status).toBe(201);
    const id = created.json.id;
    expect((await call("PUT", `/qr_codes/${id}`, { key: org.writeKey, body: { name: "Renamed", type: "url", content: { url: "https://example.com/b" } } })).status).toBe(200);
    expect((await call("DELETE", `/qr_codes/${id}`, { key: org.writeKey })).status).toBe(204);
    expect(queued).toHaveLength(3);

    const { received, fetcher } = receiver();
    const result = await deliver(queued, fetcher);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
    expect(result.retryMessages).toEqual([]);
    expect(received.map((r) => r.url)).toEqual([RECEIVER, RECEIVER, RECEIVER]);
    const events = received.map((request) => verify(endpoint.secret, request));
    expect(events.map((e) => e.type).sort()).toEqual(["qr_code.created", "qr_code.deleted", "qr_code.updated"]);
    const byType = Object.fromEntries(events.map((e) => [e.type, e.data]));
    expect(byType["qr_code.created"]).toMatchObject({ id, name: "Poster" });
    expect(byType["qr_code.updated"]).toMatchObject({ id, name: "Renamed" });
    expect(byType["qr_code.deleted"]).toMatchObject({ id, name: "Renamed", type: "url" });
    expect(received.map((r) => r.headers["webhook-id"]).sort()).toEqual([...queued].sort());
    // A tampered body, or another endpoint's secret, does not verify.
    expect(() => new Webhook(endpoint.secret).verify(`${received[0]!.body} `, received[0]!.headers)).toThrow();
    const otherSecret = (await createEndpoint(org.hookKey, { url: RECEIVER, events: ["qr_code.deleted"] })).secret;
    expect(() => verify(otherSecret, received[0]!)).toThrow();

    const log = await call("GET", `/webhooks/${endpoint.id}/deliveries`, { key: org.hookKey });
    expect(log.status).toBe(200);
    expect(log.json.items).toHaveLength(3);
    for (const item of log.json.items) {
      expect(item).toMatchObject({ status: "delivered", attempts: 1 });
      expect(item.attemptLog).toEqual([expect.objectContaining({ attempt: 1, statusCode: 204, ok: true, error: null })]);
      expect(item.attemptLog[0].latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect((await call("GET", `/webhooks/${unsubscribed.id}/deliveries`, { key: org.hookKey })).json.items).toEqual([]);
  });

  it("sends one qr_code.scanned per endpoint for a consumer batch, listing its scans", async () => {
    const org = await webhookOrg();
    const first = await createEndpoint(org.hookKey, { url: RECEIVER, events: ["qr_code.scanned"] });
    const second = await createEndpoint(org.hookKey, { url: "https://second.example.com/hook", events: ["qr_code.scanned", "qr_code.created"] });
    const codes: string[] = [];
    for (const name of ["Table 1", "Table 2"]) codes.push((await call("POST", "/qr_codes", { key: org.writeKey, body: { name, type: "url", content: { url: "https://example.com/menu" } } })).json.id);
    queued = [];
    const visit = (codeId: string, kind: "scan" | "view"): VisitEvent => ({
      id: crypto.randomUUID(), at: "2026-11-07T08:00:00+00:00", codeId, orgId: org.orgId, kind, country: "FR", region: null, city: null,
      device: "mobile", os: "iOS", browser: "Mobile Safari", referrerHost: null, bot: false, botReason: null, visitor: "v", outcome: "target", rule: null, variant: null,
    });
    const visits = [visit(codes[0]!, "scan"), visit(codes[1]!, "scan"), visit(codes[0]!, "scan"), visit(codes[0]!, "view")];
    // The edge sent the second scan twice (its batch's fallback): listed once.
    const messages = [...visits, visits[1]!].map((body, i) => ({ id: `v${i}`, timestamp: new Date(), attempts: 1, body }));
    const written = await consumeVisits(createMessageBatch("edge-qr-scans", messages), env);
    expect(written.written).toBe(5);
    expect(queued).toHaveLength(2);

    const { received, fetcher } = receiver();
    await deliver(queued, fetcher);
    expect(received.map((r) => r.url).sort()).toEqual(["https://hooks.example.com/edge-qr", "https://second.example.com/hook"]);
    for (const request of received) {
      const secret = request.url === RECEIVER ? first.secret : second.secret;
      const event = verify(secret, request);
      expect(event.type).toBe("qr_code.scanned");
      expect(event.data.scans.map((s: { id: string }) => s.id)).toEqual(visits.slice(0, 3).map((v) => v.id));
      expect(event.data.scans[0]).not.toHaveProperty("visitor");
    }
  });

  it("retries a failing receiver with growing delays, disables the endpoint after 5 failures spanning 24 hours, and comes back on enable and redelivery", async () => {
    const org = await webhookOrg();
    const endpoint = await createEndpoint(org.hookKey, { url: RECEIVER, events: ["qr_code.created"] });
    await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Flyer", type: "url", content: { url: "https://example.com/f" } } });
    expect(queued).toHaveLength(1);
    const deliveryId = queued[0]!;
    const down = receiver(() => 503);
    const start = Date.now();
    // Attempts 1 to 4 within the first hours: retried with 60 s doubling, the endpoint stays enabled.
    for (const attempts of [1, 2, 3, 4]) {
      const result = await deliver([deliveryId], down.fetcher, { attempts, now: () => new Date(start + attempts * 60_000) });
      expect(result.retryMessages).toEqual([{ msgId: "m0" }]);
      expect(result.delays).toEqual([60 * 2 ** (attempts - 1)]);
      expect(result.explicitAcks).toEqual([]);
    }
    let state = (await call("GET", `/webhooks/${endpoint.id}`, { key: org.hookKey })).json;
    expect(state).toMatchObject({ status: "enabled", failureStreak: 4 });
    // The fifth failure, a day after the first: disabled, and the message is not retried any more.
    const fifth = await deliver([deliveryId], down.fetcher, { attempts: 5, now: () => new Date(start + 25 * 3_600_000) });
    expect(fifth.retryMessages).toEqual([]);
    expect(fifth.explicitAcks).toEqual(["m0"]);
    state = (await call("GET", `/webhooks/${endpoint.id}`, { key: org.hookKey })).json;
    expect(state).toMatchObject({ status: "disabled", failureStreak: 5 });
    expect(state.disabledReason).toContain("HTTP 503");
    const log = (await call("GET", `/webhooks/${endpoint.id}/deliveries`, { key: org.hookKey })).json.items;
    expect(log[0]).toMatchObject({ id: deliveryId, status: "failed", attempts: 5 });
    expect(log[0].attemptLog.map((a: { attempt: number; statusCode: number; ok: boolean }) => [a.attempt, a.statusCode, a.ok])).toEqual([1, 2, 3, 4, 5].map((n) => [n, 503, false]));
    expect(log[0].attemptLog[0].error).toBe("HTTP 503: receiver down");

    // A disabled endpoint gets nothing: no delivery is created, and redelivery is refused until enabled.
    queued = [];
    await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Second", type: "url", content: { url: "https://example.com/g" } } });
    expect(queued).toEqual([]);
    expect((await call("POST", `/webhooks/${endpoint.id}/deliveries/${deliveryId}/redeliver`, { key: org.hookKey })).status).toBe(409);
    const enabled = await call("POST", `/webhooks/${endpoint.id}/enable`, { key: org.hookKey });
    expect(enabled.json).toMatchObject({ status: "enabled", failureStreak: 0, failingSince: null, disabledReason: null });
    const again = await call("POST", `/webhooks/${endpoint.id}/deliveries/${deliveryId}/redeliver`, { key: org.hookKey });
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ id: deliveryId, status: "pending" });
    expect(queued).toEqual([deliveryId]);
    const up = receiver();
    await deliver(queued, up.fetcher);
    expect(up.received).toHaveLength(1);
    expect(up.received[0]!.headers["webhook-id"]).toBe(deliveryId);
    expect(verify(endpoint.secret, up.received[0]!).type).toBe("qr_code.created");
    const after = (await call("GET", `/webhooks/${endpoint.id}/deliveries`, { key: org.hookKey })).json.items[0];
    expect(after).toMatchObject({ id: deliveryId, status: "delivered", attempts: 6 });
    // Redelivery of a delivery that is not the endpoint's, or of another organization, is a 404.
    expect((await call("POST", `/webhooks/${endpoint.id}/deliveries/msg_nope/redeliver`, { key: org.hookKey })).status).toBe(404);
    const other = await webhookOrg();
    expect((await call("POST", `/webhooks/${endpoint.id}/deliveries/${deliveryId}/redeliver`, { key: other.hookKey })).status).toBe(404);
  });

  it("a delivery whose queue message was never sent is queued again by the cron after 10 minutes, then delivered once", async () => {
    const org = await webhookOrg();
    const endpoint = await createEndpoint(org.hookKey, { url: RECEIVER, events: ["qr_code.created"] });
    vi.mocked(env.WEBHOOKS.sendBatch).mockRejectedValueOnce(new Error("simulated queue outage"));
    const created = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Stranded", type: "url", content: { url: "https://example.com/s" } } });
    expect(created.status).toBe(201);
    expect(queued).toEqual([]);
    const row = await env.DB.prepare("SELECT id, created_at FROM webhook_deliveries WHERE endpoint_id = ?1").bind(endpoint.id).first<{ id: string; created_at: string }>();
    const createdAt = Date.parse(row!.created_at);
    // Not yet: its message may only be late.
    await jobs.requeueUnsentWebhooks!(env, new Date(createdAt + UNSENT_AFTER_MS - 1000));
    expect(queued).not.toContain(row!.id);
    await jobs.requeueUnsentWebhooks!(env, new Date(createdAt + UNSENT_AFTER_MS + 1000));
    expect(queued.filter((id) => id === row!.id)).toHaveLength(1);
    // Requeued once: the next runs leave it to that message (and move on to others) for a day.
    await jobs.requeueUnsentWebhooks!(env, new Date(createdAt + 3 * UNSENT_AFTER_MS));
    await jobs.requeueUnsentWebhooks!(env, new Date(createdAt + 23 * 3_600_000));
    expect(queued.filter((id) => id === row!.id)).toHaveLength(1);
    // Still unattempted a day later (say its messages could not get as far as an attempt): once more.
    await jobs.requeueUnsentWebhooks!(env, new Date(Date.now() + 25 * 3_600_000));
    expect(queued.filter((id) => id === row!.id)).toHaveLength(2);
    const { received, fetcher } = receiver();
    expect((await deliver([row!.id], fetcher)).explicitAcks).toEqual(["m0"]);
    expect(verify(endpoint.secret, received[0]!)).toMatchObject({ type: "qr_code.created", data: { id: created.json.id } });
    // Attempted now: never queued again.
    queued = [];
    await jobs.requeueUnsentWebhooks!(env, new Date(Date.now() + 50 * 3_600_000));
    expect(queued).not.toContain(row!.id);
  });

  it("two attempts of one delivery that overlap get their own numbers, and a success is not undone by the other's failure", async () => {
    const org = await webhookOrg();
    const endpoint = await createEndpoint(org.hookKey, { url: RECEIVER, events: ["qr_code.created"] });
    await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Twice", type: "url", content: { url: "https://example.com/t" } } });
    const deliveryId = queued[0]!;
    // A late message and its requeued copy in one batch: the first POST succeeds, the second fails.
    const { received, fetcher } = receiver((index) => (index === 0 ? 204 : 503));
    await deliver([deliveryId, deliveryId], fetcher);
    expect(received).toHaveLength(2);
    const [item] = (await call("GET", `/webhooks/${endpoint.id}/deliveries`, { key: org.hookKey })).json.items;
    expect(item).toMatchObject({ id: deliveryId, status: "delivered", attempts: 2 });
    expect(item.attemptLog.map((a: { attempt: number }) => a.attempt).sort()).toEqual([1, 2]);
    // A third copy that used up its retries reaches the dead-letter queue: it was delivered all the same.
    await deliver([deliveryId], fetcher, { queue: WEBHOOK_DEAD_LETTER_QUEUE });
    const [after] = (await call("GET", `/webhooks/${endpoint.id}/deliveries`, { key: org.hookKey })).json.items;
    expect(after).toMatchObject({ id: deliveryId, status: "delivered", attempts: 2 });
  });

  it("marks a delivery failed when it reaches the dead-letter queue, and checks the URL again at delivery", async () => {
    const org = await webhookOrg();
    const endpoint = await createEndpoint(org.hookKey, { url: RECEIVER, events: ["qr_code.created"] });
    await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "A", type: "url", content: { url: "https://example.com/a" } } });
    const [deliveryId] = queued;
    const dead = await deliver([deliveryId!], receiver().fetcher, { queue: WEBHOOK_DEAD_LETTER_QUEUE });
    expect(dead.explicitAcks).toEqual(["m0"]);
    expect((await call("GET", `/webhooks/${endpoint.id}/deliveries`, { key: org.hookKey })).json.items[0]).toMatchObject({ status: "failed", attempts: 0 });

    // A URL stored before the rules refused it (written straight to D1 here) is never fetched.
    await env.DB.prepare("UPDATE webhook_endpoints SET url = 'https://127.0.0.1/hook' WHERE id = ?1").bind(endpoint.id).run();
    const { received, fetcher } = receiver();
    const result = await deliver([deliveryId!], fetcher);
    expect(received).toEqual([]);
    expect(result.retryMessages).toHaveLength(1);
    const attempt = (await call("GET", `/webhooks/${endpoint.id}/deliveries`, { key: org.hookKey })).json.items[0].attemptLog[0];
    expect(attempt).toMatchObject({ statusCode: null, ok: false });
    expect(attempt.error).toContain("URL refused");
  });
});

describe("emitting many events at once (a bulk write)", () => {
  it("writes one statement per event whatever the endpoints, and queues the deliveries 100 a call", async () => {
    const org = await webhookOrg();
    await createEndpoint(org.hookKey, { url: RECEIVER, events: ["qr_code.created"] });
    await createEndpoint(org.hookKey, { url: "https://second.example.com/hook", events: ["qr_code.created"] });
    const batch = vi.spyOn(env.DB, "batch");
    const data = Array.from({ length: 150 }, (_, i) => ({ id: `code-${i}` }));
    expect(await emitWebhookEvents(env, org.orgId, "qr_code.created", data)).toBe(300);
    expect(batch).toHaveBeenCalledTimes(1);
    expect(batch.mock.calls[0]![0]).toHaveLength(150);
    expect(vi.mocked(env.WEBHOOKS.sendBatch)).toHaveBeenCalledTimes(3);
    expect(new Set(queued).size).toBe(300);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT endpoint_id) AS endpoints FROM webhook_deliveries WHERE org_id = ?1").bind(org.orgId).first<{ n: number; endpoints: number }>();
    expect(rows).toEqual({ n: 300, endpoints: 2 });
  });
});

describe("qr_code.scan_limit_reached", () => {
  it("is sent once, by the scan that takes a code's last allowed scan", async () => {
    captureVisits();
    const org = await webhookOrg();
    const endpoint = await createEndpoint(org.hookKey, { url: RECEIVER, events: ["qr_code.scan_limit_reached"] });
    const created = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Prize", type: "url", content: { url: "https://example.com/prize" }, limits: { maxScans: 2 } } });
    expect(created.status).toBe(201);
    const scan = (ip: string) =>
      exports.default.fetch(
        new Request(`https://qr.test/r/${created.json.metadata.shortToken}`, {
          redirect: "manual",
          headers: { "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", "CF-Connecting-IP": ip },
        }),
      );
    expect((await scan("198.51.100.1")).status).toBe(302);
    expect(queued).toEqual([]);
    expect((await scan("198.51.100.2")).status).toBe(302);
    expect(queued).toHaveLength(1);
    expect((await scan("198.51.100.3")).status).toBe(410);
    expect(queued).toHaveLength(1);
    const { received, fetcher } = receiver();
    await deliver(queued, fetcher);
    expect(verify(endpoint.secret, received[0]!)).toMatchObject({ type: "qr_code.scan_limit_reached", data: { id: created.json.id, maxScans: 2 } });
  });
});

describe("webhook request bodies (fuzz)", () => {
  it("answers every body with a 2xx or a documented 4xx, never a 5xx", async () => {
    const org = await webhookOrg();
    const endpoint = await createEndpoint(org.hookKey);
    const before = unexpectedErrorCount();
    const anyValue = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }));
    const url = fc.oneof(fc.webUrl(), fc.constantFrom(RECEIVER, "https://127.0.0.1/", "javascript:alert(1)", "https://a.b/\u0000", ""), anyValue);
    const events = fc.oneof(fc.array(fc.oneof(fc.constantFrom(...ALL_EVENTS), anyValue), { maxLength: 12 }), anyValue);
    const body = fc.oneof(fc.record({ url, events, description: fc.oneof(fc.string({ maxLength: 300 }), anyValue) }, { requiredKeys: [] }), anyValue);
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom("POST", "PATCH"), async (value, method) => {
        const res = await call(method, method === "POST" ? "/webhooks" : `/webhooks/${endpoint.id}`, { key: org.hookKey, body: JSON.stringify(value) });
        expect(res.status, `${method} ${JSON.stringify(value)}: ${res.text}`).toBeLessThan(500);
        expect([200, 201, 400, 409]).toContain(res.status);
      }),
      { numRuns: 150 },
    );
    expect(unexpectedErrorCount()).toBe(before);
  });
});
