import * as cams from "@alicloud/cams20200606";
import * as openapi from "@alicloud/openapi-client";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type LocalWorker, startLocalWorker } from "../../bench/http/worker";
import { mostInAnyWindow } from "../../bench/rate-window";

/**
 * The official SDK (@alicloud/cams20200606) against the Worker under `wrangler dev`, unchanged but
 * for its endpoint. Errors surface as the SDK's own errors, whose `.code` is our Code.
 */

type CamsClient = InstanceType<typeof cams.default>;
const ClientClass = ((cams.default as unknown as { default?: typeof cams.default }).default ?? cams.default) as typeof cams.default;
const Config = openapi.Config;

let worker: LocalWorker;

const clientFor = (accessKeyId: string, accessKeySecret: string, endpoint = worker.endpoint): CamsClient =>
  new ClientClass(new Config({ accessKeyId, accessKeySecret, endpoint, protocol: "http", readTimeout: 30_000, connectTimeout: 10_000 }));

async function admin(method: string, path: string, body?: unknown) {
  const res = await fetch(`${worker.baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${worker.adminToken}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const ALL = ["cams:CreatePhoneMessageQrdl", "cams:ListPhoneMessageQrdl", "cams:UpdatePhoneMessageQrdl", "cams:DeletePhoneMessageQrdl"];
let phones = 0;

async function seed(options: { whatsapp?: boolean; actions?: string[] } = {}) {
  const org = await admin("POST", "/admin/organizations", { name: `SDK ${Math.random()}`, whatsappEnabled: options.whatsapp ?? true });
  const phone = `4477009${String(Date.now() % 1e4).padStart(4, "0")}${phones++}`;
  await admin("POST", `/admin/organizations/${org.id}/whatsapp-phone-numbers`, { phoneNumber: phone, custSpaceId: "cams-sdk" });
  const key = await admin("POST", `/admin/organizations/${org.id}/access-keys`, { name: "sdk", actions: options.actions ?? ALL });
  return { orgId: org.id as string, phone, id: key.accessKeyId as string, secret: key.accessKeySecret as string, client: clientFor(key.accessKeyId, key.accessKeySecret) };
}

const createRequest = (phone: string, message = "Hello from the SDK", image = "PNG") =>
  new cams.CreatePhoneMessageQrdlRequest({ phoneNumber: phone, generateQrImage: image, prefilledMessage: message });

async function failure(call: Promise<unknown>): Promise<{ code: string; statusCode: number; accessDeniedDetail?: string; data: Record<string, unknown> }> {
  try {
    await call;
  } catch (err) {
    const e = err as { code: string; data: Record<string, unknown> & { statusCode: number }; accessDeniedDetail?: string };
    return { code: e.code, statusCode: e.data?.statusCode, accessDeniedDetail: e.accessDeniedDetail, data: e.data };
  }
  throw new Error("the call succeeded");
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A pass-through proxy between the SDK and the Worker that can change a request after the SDK
 * signed it (tampering) and remembers the last one (replay). The Host header is kept as signed.
 */
interface Captured {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}
let proxy: Server;
let proxyEndpoint: string;
let tamper: ((request: Captured) => void) | null = null;
let lastRequest: Captured | null = null;

function forward(captured: Captured): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const target = new URL(worker.baseUrl);
  return new Promise((resolve, reject) => {
    const out = httpRequest({ host: target.hostname, port: target.port, method: captured.method, path: captured.path, headers: { ...captured.headers, "content-length": String(captured.body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    out.on("error", reject);
    out.end(captured.body);
  });
}

beforeAll(async () => {
  worker = await startLocalWorker();
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const captured: Captured = { method: req.method!, path: req.url!, headers: { ...req.headers }, body: Buffer.concat(chunks) };
      lastRequest = { ...captured, headers: { ...captured.headers } };
      tamper?.(captured);
      try {
        const answer = await forward(captured);
        res.writeHead(answer.status, { "content-type": answer.headers["content-type"] ?? "application/json" });
        res.end(answer.body);
      } catch (err) {
        res.writeHead(502);
        res.end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyEndpoint = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 240_000);

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await worker?.stop();
});

describe("the official SDK against the Worker", () => {
  it("createPhoneMessageQrdl: documented response, a deep link to wa.me, an image that loads", async () => {
    const org = await seed();
    const message = "Olá! 你好 مرحبا 👋 & more";
    const res = await org.client.createPhoneMessageQrdl(createRequest(org.phone, message));
    expect(res.statusCode).toBe(200);
    expect(res.body!.code).toBe("OK");
    expect(res.body!.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(res.headers!["x-acs-request-id"]).toBe(res.body!.requestId);
    const data = res.body!.data!;
    expect(data.phoneNumber).toBe(org.phone);
    expect(data.generateQrImage).toBe("PNG");
    expect(data.prefilledMessage).toBe(message);
    expect(data.qrdlCode).toMatch(/^[0-9A-Za-z]{8}$/);
    expect(data.deepLinkUrl).toBe(`${worker.baseUrl}/r/${data.qrdlCode}`);
    expect(data.qrImageUrl).toBe(`${worker.baseUrl}/message-qrdl/${data.qrdlCode}.png`);
    const redirect = await fetch(data.deepLinkUrl!, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(`https://wa.me/${org.phone}`);
    expect(location.searchParams.get("text")).toBe(message);
    const image = await fetch(data.qrImageUrl!);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await image.arrayBuffer()).subarray(1, 4).toString()).toBe("PNG");
  });

  it("list, update and delete with the SDK's own models", async () => {
    const org = await seed();
    const made = (await org.client.createPhoneMessageQrdl(createRequest(org.phone, "first", "SVG"))).body!.data!;
    const listed = await org.client.listPhoneMessageQrdl(new cams.ListPhoneMessageQrdlRequest({ phoneNumber: org.phone }));
    expect(listed.body!.code).toBe("OK");
    expect(listed.body!.data).toHaveLength(1);
    expect(listed.body!.data![0]).toMatchObject({ qrdlCode: made.qrdlCode, deepLinkUrl: made.deepLinkUrl, qrImageUrl: made.qrImageUrl, generateQrImage: "SVG", prefilledMessage: "first", phoneNumber: org.phone });

    const updated = await org.client.updatePhoneMessageQrdl(
      new cams.UpdatePhoneMessageQrdlRequest({ qrdlCode: made.qrdlCode, phoneNumber: org.phone, generateQrImage: "SVG", prefilledMessage: "second ✓" }),
    );
    expect(updated.body!.code).toBe("OK");
    expect(updated.body!.data).toMatchObject({ qrdlCode: made.qrdlCode, deepLinkUrl: made.deepLinkUrl, qrImageUrl: made.qrImageUrl, prefilledMessage: "second ✓" });
    const redirect = await fetch(made.deepLinkUrl!, { redirect: "manual" });
    expect(new URL(redirect.headers.get("location")!).searchParams.get("text")).toBe("second ✓");

    const deleted = await org.client.deletePhoneMessageQrdl(new cams.DeletePhoneMessageQrdlRequest({ qrdlCode: made.qrdlCode, phoneNumber: org.phone }));
    expect(deleted.body!.code).toBe("OK");
    expect((await fetch(made.deepLinkUrl!, { redirect: "manual" })).status).toBe(404);
    await pause(1100);
    expect((await org.client.listPhoneMessageQrdl(new cams.ListPhoneMessageQrdlRequest({ phoneNumber: org.phone }))).body!.data).toEqual([]);
  });

  it("raises each documented error with its code", async () => {
    const org = await seed();
    const other = await seed();
    expect(await failure(org.client.createPhoneMessageQrdl(new cams.CreatePhoneMessageQrdlRequest({ generateQrImage: "PNG", prefilledMessage: "x" })))).toMatchObject({ code: "MissingParameter", statusCode: 400 });
    expect(await failure(org.client.createPhoneMessageQrdl(createRequest(org.phone, "x", "GIF")))).toMatchObject({ code: "InvalidParameter", statusCode: 400 });
    expect(await failure(org.client.createPhoneMessageQrdl(createRequest(org.phone, "x".repeat(141))))).toMatchObject({ code: "InvalidParameter" });
    expect(await failure(org.client.createPhoneMessageQrdl(createRequest(other.phone)))).toMatchObject({ code: "Unknown.ResourceOwnerId", statusCode: 400 });
    expect(
      await failure(org.client.createPhoneMessageQrdl(new cams.CreatePhoneMessageQrdlRequest({ phoneNumber: org.phone, generateQrImage: "PNG", prefilledMessage: "x", custSpaceId: "cams-other" }))),
    ).toMatchObject({ code: "Unknown.ResourceOwnerId" });

    const off = await seed({ whatsapp: false });
    expect(await failure(off.client.createPhoneMessageQrdl(createRequest(off.phone)))).toMatchObject({ code: "Product.Unsubscript", statusCode: 400 });

    const listOnly = await seed({ actions: ["cams:ListPhoneMessageQrdl"] });
    const denied = await failure(listOnly.client.createPhoneMessageQrdl(createRequest(listOnly.phone)));
    expect(denied).toMatchObject({ code: "Ram.PermissionDeny", statusCode: 400 });
    expect(denied.accessDeniedDetail).toContain("cams:CreatePhoneMessageQrdl");
    // Started one at a time: a call started early would reject before it is awaited (unhandled).
    for (const call of [
      () => listOnly.client.updatePhoneMessageQrdl(new cams.UpdatePhoneMessageQrdlRequest({ qrdlCode: "AAAAAAAA", phoneNumber: listOnly.phone, generateQrImage: "PNG", prefilledMessage: "x" })),
      () => listOnly.client.deletePhoneMessageQrdl(new cams.DeletePhoneMessageQrdlRequest({ qrdlCode: "AAAAAAAA", phoneNumber: listOnly.phone })),
    ])
      expect((await failure(call())).code).toBe("Ram.PermissionDeny");

    expect(await failure(clientFor("EQAKdoesnotexist00000000", "x").listPhoneMessageQrdl(new cams.ListPhoneMessageQrdlRequest({ phoneNumber: org.phone })))).toMatchObject({
      code: "InvalidAccessKeyId.NotFound",
      statusCode: 404,
    });
    expect(await failure(clientFor(org.id, "the-wrong-secret").listPhoneMessageQrdl(new cams.ListPhoneMessageQrdlRequest({ phoneNumber: org.phone })))).toMatchObject({
      code: "SignatureDoesNotMatch",
      statusCode: 400,
    });
  });

  it("throttles with System.LimitControl: never more than 5 admitted in any 1000 ms of the limiter's clock", async () => {
    const org = await seed();
    // Judged by the limiter's own arrival times (X-Bench-Gate-At: the local Worker runs with
    // BENCH_ROUTES=1): a busy machine may spread these over more than a second, and then more than
    // 5 pass, rightly. test/worker proves the exact window on a clock the test moves.
    const answers = await Promise.all(
      Array.from({ length: 20 }, async () => {
        try {
          const res = await org.client.listPhoneMessageQrdl(new cams.ListPhoneMessageQrdlRequest({ phoneNumber: org.phone }));
          return { code: res.body?.code, at: Number(res.headers?.["x-bench-gate-at"]) };
        } catch (err) {
          const e = err as { code?: string; data?: { statusCode?: number } };
          return { code: e.code, statusCode: e.data?.statusCode };
        }
      }),
    );
    const admitted = answers.filter((a) => a.code === "OK").map((a) => a.at!);
    const refused = answers.filter((a) => a.code !== "OK");
    expect(admitted.length).toBeGreaterThanOrEqual(5);
    expect(admitted.every((at) => Number.isSafeInteger(at) && at > 0)).toBe(true);
    expect(mostInAnyWindow(admitted, 1000)).toBeLessThanOrEqual(5);
    for (const r of refused) expect(r).toEqual({ code: "System.LimitControl", statusCode: 400 });
  });

  it("refuses a request changed after signing: body, header or signature", async () => {
    const org = await seed();
    const client = clientFor(org.id, org.secret, proxyEndpoint);
    const create = () => failure(client.createPhoneMessageQrdl(createRequest(org.phone, "pay 10")));
    try {
      tamper = (r) => (r.body = Buffer.from(r.body.toString().replace("10", "99")));
      expect((await create()).code).toBe("SignatureDoesNotMatch");
      tamper = (r) => (r.headers["x-acs-action"] = "DeletePhoneMessageQrdl");
      expect((await create()).code).toBe("SignatureDoesNotMatch");
      tamper = (r) => (r.headers.authorization = String(r.headers.authorization).replace(/Signature=([0-9a-f])/, (_m, ch: string) => `Signature=${ch === "0" ? "1" : "0"}`));
      expect((await create()).code).toBe("SignatureDoesNotMatch");
    } finally {
      tamper = null;
    }
    await pause(1100);
    // Untouched, the same path works.
    expect((await client.createPhoneMessageQrdl(createRequest(org.phone, "pay 10"))).body!.code).toBe("OK");
  });

  it("refuses a replayed request (the same signature nonce)", async () => {
    const org = await seed();
    const client = clientFor(org.id, org.secret, proxyEndpoint);
    expect((await client.listPhoneMessageQrdl(new cams.ListPhoneMessageQrdlRequest({ phoneNumber: org.phone }))).body!.code).toBe("OK");
    const replay = await forward(lastRequest!);
    expect(replay.status).toBe(400);
    expect(JSON.parse(replay.body.toString()).Code).toBe("SignatureNonceUsed");
  });

  it("refuses a client clock more than 15 minutes off", async () => {
    const org = await seed();
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 20 * 60_000 });
    try {
      expect(await failure(org.client.listPhoneMessageQrdl(new cams.ListPhoneMessageQrdlRequest({ phoneNumber: org.phone })))).toMatchObject({ code: "InvalidTimeStamp.Expired", statusCode: 400 });
      vi.setSystemTime(Date.now() - 40 * 60_000);
      expect((await failure(org.client.listPhoneMessageQrdl(new cams.ListPhoneMessageQrdlRequest({ phoneNumber: org.phone })))).code).toBe("InvalidTimeStamp.Expired");
    } finally {
      vi.useRealTimers();
    }
  });
});
