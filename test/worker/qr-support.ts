import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import type { VisitMessage } from "../../src/analytics/event";
import { app } from "../../src/app";

/** Test helpers for the organization-scoped APIs: accounts made through the admin API, calls through HTTP. */

const ORIGIN = "https://qr.test";
const ADMIN = { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" };

/**
 * The Worker's answer once its work after the response (waitUntil: events, cache writes, KV
 * refills) has finished, so a test asserts on it at once instead of polling for a while; with
 * other bindings when given.
 */
export async function fetchSettled(request: Request, bindings: Env = env): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(request, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** `settle`: return only after the request's work after the response is done (fetchSettled). */
export async function call(method: string, path: string, init: { key?: string; body?: unknown; headers?: Record<string, string>; settle?: boolean } = {}) {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.key) headers.Authorization = `Bearer ${init.key}`;
  let body: BodyInit | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === "string" || init.body instanceof ReadableStream || init.body instanceof Uint8Array ? (init.body as BodyInit) : JSON.stringify(init.body);
    headers["Content-Type"] ??= "application/json";
  }
  const request = new Request(`${ORIGIN}${path}`, { method, headers, body, duplex: "half" } as RequestInit);
  const res = await (init.settle ? fetchSettled(request) : exports.default.fetch(request));
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  let json: any = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json, bytes };
}

async function admin(path: string, body: unknown) {
  const res = await exports.default.fetch(new Request(`${ORIGIN}${path}`, { method: "POST", headers: ADMIN, body: JSON.stringify(body) }));
  expect(res.status, path).toBe(201);
  return res.json<any>();
}

export interface TestOrg {
  orgId: string;
  /** read-write, qr:ReadQrCode + qr:WriteQrCode */
  writeKey: string;
  /** read-only, qr:ReadQrCode */
  readKey: string;
  issueKey(options: { role: "read-only" | "read-write"; actions: string[]; expiresAt?: string }): Promise<{ id: string; secret: string }>;
}

export async function seedOrg(name = `Org ${crypto.randomUUID()}`): Promise<TestOrg> {
  const organization = await admin("/admin/organizations", { name });
  const issueKey: TestOrg["issueKey"] = async (options) => {
    const issued = await admin(`/admin/organizations/${organization.id}/api-keys`, { name: `key ${options.role}`, ...options });
    return { id: issued.apiKey.id, secret: issued.secret };
  };
  const write = await issueKey({ role: "read-write", actions: ["qr:ReadQrCode", "qr:WriteQrCode"] });
  const read = await issueKey({ role: "read-only", actions: ["qr:ReadQrCode"] });
  return { orgId: organization.id, writeKey: write.secret, readKey: read.secret, issueKey };
}

export async function revokeKey(id: string) {
  const res = await exports.default.fetch(new Request(`${ORIGIN}/admin/api-keys/${id}/revoke`, { method: "POST", headers: ADMIN }));
  expect(res.status).toBe(200);
}

export const ORIGIN_URL = ORIGIN;

/**
 * Captures the scan and view events the edge enqueues (sent after the response) instead of
 * enqueueing them. `waitFor` keeps only the events of the code under test (an earlier test's sends
 * may still be landing) and expects exactly `count` of them, or at least `count` with `atLeast`.
 */
export function captureVisits() {
  const sent: VisitMessage[] = [];
  const accepted = { metadata: { metrics: { backlogCount: 0, backlogBytes: 0, oldestMessageTimestamp: 0 } } };
  // Scans go out in batches (analytics/outbox.ts), and alone when a batch fails: both are captured.
  const spy = vi.spyOn(env.SCANS, "send").mockImplementation(async (body) => {
    sent.push(body as VisitMessage);
    return accepted as unknown as QueueSendResponse;
  });
  const batchSpy = vi.spyOn(env.SCANS, "sendBatch").mockImplementation(async (messages) => {
    for (const message of messages) sent.push(message.body as VisitMessage);
    return accepted as unknown as QueueSendBatchResponse;
  });
  const waitFor = async (count: number, codeId: string, options: { atLeast?: boolean } = {}) => {
    const mine = () => sent.filter((event) => event.codeId === codeId);
    for (let i = 0; i < 1000 && mine().length < count; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    if (options.atLeast) expect(mine().length).toBeGreaterThanOrEqual(count);
    else expect(mine().length).toBe(count);
    return mine();
  };
  return { sent, spy, batchSpy, waitFor };
}
