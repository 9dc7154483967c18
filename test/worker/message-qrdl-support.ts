import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import type { CallerGate } from "../../src/objects/caller-gate";
import { fetchSettled } from "./qr-support";

export { fetchSettled };

/**
 * Helpers for the message-QR API tests: accounts through the admin API, and requests signed the
 * way @alicloud/openapi-client signs them (re-implemented here from its source, independently of
 * src/auth/signature-v3.ts; test/sdk runs the SDK itself).
 */

export const ORIGIN = "https://qr.test";
const ADMIN = { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" };
export const ALL_ACTIONS = ["cams:CreatePhoneMessageQrdl", "cams:ListPhoneMessageQrdl", "cams:UpdatePhoneMessageQrdl", "cams:DeletePhoneMessageQrdl"];

export async function admin(method: string, path: string, body?: unknown) {
  const res = await exports.default.fetch(new Request(`${ORIGIN}${path}`, { method, headers: ADMIN, body: body === undefined ? undefined : JSON.stringify(body) }));
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

export interface AccessKeyPair {
  id: string;
  secret: string;
}

export interface MessageOrg {
  orgId: string;
  phone: string;
  space: string;
  key: AccessKeyPair;
  issueAccessKey(actions: string[]): Promise<AccessKeyPair>;
  issueBearer(role: "read-only" | "read-write", actions: string[]): Promise<string>;
}

let phoneCounter = 0;
/** A unique 12-digit number per call (tests share storage within a file). */
export const newPhone = () => `44${String(Date.now() % 1e7).padStart(7, "0")}${String(phoneCounter++ % 1000).padStart(3, "0")}`;

export async function seedMessageOrg(options: { whatsapp?: boolean; actions?: string[] } = {}): Promise<MessageOrg> {
  const org = await admin("POST", "/admin/organizations", { name: `Org ${crypto.randomUUID()}`, whatsappEnabled: options.whatsapp ?? true });
  expect(org.status).toBe(201);
  const orgId = org.json.id as string;
  const phone = newPhone();
  const space = `cams-${crypto.randomUUID().slice(0, 8)}`;
  expect((await admin("POST", `/admin/organizations/${orgId}/whatsapp-phone-numbers`, { phoneNumber: `+${phone}`, custSpaceId: space })).status).toBe(201);
  const issueAccessKey = async (actions: string[]) => {
    const res = await admin("POST", `/admin/organizations/${orgId}/access-keys`, { name: "sdk", actions });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    return { id: res.json.accessKeyId as string, secret: res.json.accessKeySecret as string };
  };
  const issueBearer = async (role: "read-only" | "read-write", actions: string[]) => {
    const res = await admin("POST", `/admin/organizations/${orgId}/api-keys`, { name: "curl", role, actions });
    expect(res.status).toBe(201);
    return res.json.secret as string;
  };
  return { orgId, phone, space, key: await issueAccessKey(options.actions ?? ALL_ACTIONS), issueAccessKey, issueBearer };
}

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
const sha256 = async (data: string) => hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(data)));
async function hmac(secret: string, data: string) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return hex(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(data)));
}
/** openapi-util's encode */
const encode = (s: string) => encodeURIComponent(s).replace(/!/g, "%21").replace(/'/g, "%27").replace(/\(/g, "%28").replace(/\)/g, "%29").replace(/\*/g, "%2A");
/** node's querystring.stringify, as tea-util's toFormString uses it */
const form = (params: Record<string, string>) => Object.entries(params).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");

export interface SignedOptions {
  key: AccessKeyPair;
  action: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  date?: Date;
  nonce?: string;
  /** changes applied after signing (tampering) */
  after?: (request: { headers: Record<string, string>; body: string }) => void;
  /** sign with this secret instead */
  signWith?: string;
  version?: string;
}

/** A request exactly as the SDK builds and signs it (POST /, form body, ACS3-HMAC-SHA256). */
export async function signedRequest(options: SignedOptions): Promise<Request> {
  const body = form(options.params ?? {});
  const date = (options.date ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z");
  const headers: Record<string, string> = {
    host: "qr.test",
    "x-acs-version": options.version ?? "2020-06-06",
    "x-acs-action": options.action,
    "user-agent": "AlibabaCloud (test) TeaDSL/1",
    "x-acs-date": date,
    "x-acs-signature-nonce": options.nonce ?? crypto.randomUUID().replace(/-/g, ""),
    accept: "application/json",
    "content-type": "application/x-www-form-urlencoded",
    "x-acs-content-sha256": await sha256(body),
  };
  const query = options.query ?? {};
  const canonicalQuery = Object.keys(query).sort().map((k) => `${k}=${encode(query[k]!)}`).join("&");
  const signed = Object.keys(headers).filter((k) => k.startsWith("x-acs-") || k === "host" || k === "content-type").sort();
  const canonical = ["POST", "/", canonicalQuery, signed.map((k) => `${k}:${headers[k]!.trim()}\n`).join(""), signed.join(";"), headers["x-acs-content-sha256"]].join("\n");
  const toSign = `ACS3-HMAC-SHA256\n${await sha256(canonical)}`;
  headers.Authorization = `ACS3-HMAC-SHA256 Credential=${options.key.id},SignedHeaders=${signed.join(";")},Signature=${await hmac(options.signWith ?? options.key.secret, toSign)}`;
  const request = { headers, body };
  options.after?.(request);
  const qs = Object.keys(query).length ? `?${form(query)}` : "";
  return new Request(`${ORIGIN}/${qs}`, { method: "POST", headers: request.headers, body: request.body });
}

export interface AcsAnswer {
  status: number;
  headers: Headers;
  json: any;
}

export async function send(request: Request, bindings?: Env): Promise<AcsAnswer> {
  const res = await (bindings ? fetchSettled(request, bindings) : exports.default.fetch(request));
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json };
}

export const signed = async (options: SignedOptions) => send(await signedRequest(options));

/** A bearer-key call the way curl users make it. */
export async function bearer(token: string, action: string, params: Record<string, string>, init: { json?: boolean } = {}) {
  const body = init.json ? JSON.stringify(params) : form(params);
  return send(
    new Request(`${ORIGIN}/?Action=${action}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": init.json ? "application/json" : "application/x-www-form-urlencoded" },
      body,
    }),
  );
}

export function expectAcsError(answer: AcsAnswer, code: string, status = 400) {
  expect(answer.status, JSON.stringify(answer.json)).toBe(status);
  expect(answer.json.Code, JSON.stringify(answer.json)).toBe(code);
  expect(answer.json.RequestId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  expect(answer.headers.get("x-acs-request-id")).toBe(answer.json.RequestId);
  expect(typeof answer.json.Message).toBe("string");
}

/** Resets a caller's rate window: waits out the second. */
export const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1050));

/** Limiters on a test's clock (see driveGateClock), by instance. */
const drivenClocks = new WeakMap<CallerGate, { now: number }>();

/**
 * Puts an AccessKey's limiter (its CallerGate) on a clock the test moves: every request that reaches
 * it is decided at `clock.now`, whatever the machine's speed; other callers keep the real clock.
 * RPC calls only methods of the class, so the spy sits on the prototype. Undone by vi.restoreAllMocks.
 */
export async function driveGateClock(key: AccessKeyPair, start = Date.now()) {
  const clock = { now: start };
  const stub = env.CALLER_GATE.get(env.CALLER_GATE.idFromName(`accessKey:${key.id}`));
  const gateClass = await runInDurableObject(stub, (gate: CallerGate) => {
    drivenClocks.set(gate, clock);
    return Object.getPrototypeOf(gate) as CallerGate;
  });
  if (!vi.isMockFunction(gateClass.admit)) {
    const realAdmit = gateClass.admit;
    vi.spyOn(gateClass, "admit").mockImplementation(function (this: CallerGate, nonce, signedAt) {
      const driven = drivenClocks.get(this);
      return driven ? this.admitAt(nonce, driven.now, signedAt) : realAdmit.call(this, nonce, signedAt);
    });
  }
  return clock;
}
