import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { mostInAnyWindow, refusalsWithRoom } from "../../bench/rate-window";
import type { VisitEvent } from "../../src/analytics/event";
import { decryptSecret, encryptSecret, importSecretKey } from "../../src/auth/access-keys";
import type { CallerGate } from "../../src/objects/caller-gate";
import { expectScans, expectSvgScans } from "../support/decode";
import { admin, ALL_ACTIONS, bearer, driveGateClock, expectAcsError, fetchSettled, nextSecond, ORIGIN, seedMessageOrg, send, signed, signedRequest, type MessageOrg } from "./message-qrdl-support";
import { captureVisits } from "./qr-support";

afterEach(() => vi.restoreAllMocks());

const BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

const captureScans = () => captureVisits().sent as unknown as VisitEvent[];

const create = (org: MessageOrg, params: Record<string, string> = {}, key = org.key) =>
  signed({ key, action: "CreatePhoneMessageQrdl", params: { PhoneNumber: org.phone, GenerateQrImage: "PNG", PrefilledMessage: "Hello", ...params } });

/** A scan of the deep link; its scan event is sent by the time this returns. */
async function follow(deepLink: string) {
  return fetchSettled(new Request(deepLink, { redirect: "manual", headers: { "User-Agent": BROWSER, "CF-Connecting-IP": "198.51.100.7" } }));
}

const messageIn = (location: string) => new URL(location).searchParams.get("text");

describe("CreatePhoneMessageQrdl", () => {
  it("answers the documented envelope; the deep link redirects to wa.me and its scan is counted", async () => {
    const scans = captureScans();
    const org = await seedMessageOrg();
    const res = await create(org, { PrefilledMessage: "Hi there, I'd like a quote" });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(["AccessDeniedDetail", "Code", "Data", "Message", "RequestId"]);
    expect(res.json.Code).toBe("OK");
    expect(res.json.RequestId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(res.headers.get("x-acs-request-id")).toBe(res.json.RequestId);
    const data = res.json.Data;
    expect(Object.keys(data).sort()).toEqual(["DeepLinkUrl", "GenerateQrImage", "PhoneNumber", "PrefilledMessage", "QrImageUrl", "QrdlCode"]);
    expect(data).toMatchObject({ PhoneNumber: org.phone, GenerateQrImage: "PNG", PrefilledMessage: "Hi there, I'd like a quote" });
    expect(data.QrdlCode).toMatch(/^[0-9A-Za-z]{8}$/);
    expect(data.DeepLinkUrl).toBe(`${ORIGIN}/r/${data.QrdlCode}`);
    expect(data.QrImageUrl).toBe(`${ORIGIN}/message-qrdl/${data.QrdlCode}.png`);

    const redirect = await follow(data.DeepLinkUrl);
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get("location")!;
    expect(location).toBe(`https://wa.me/${org.phone}?text=Hi%20there%2C%20I%27d%20like%20a%20quote`);
    expect(scans).toHaveLength(1);
    expect(scans[0]).toMatchObject({ orgId: org.orgId, kind: "scan", outcome: "target" });

    // A real dynamic code of the organization, visible through the QR code resource.
    const bearerKey = await org.issueBearer("read-only", ["qr:ReadQrCode"]);
    const list = await exports.default.fetch(new Request(`${ORIGIN}/qr_codes?type=url`, { headers: { Authorization: `Bearer ${bearerKey}` } }));
    expect(list.status).toBe(200);
    expect(await list.text()).toContain(data.QrdlCode);
  });

  it("keeps Unicode messages byte-exact in the deep link (emoji, RTL, CJK, reserved characters)", async () => {
    captureScans();
    const org = await seedMessageOrg();
    const messages = ["Olá 👋🏽 café", "مرحبا، أريد الطلب", "你好，我想预订 🍜", "a&b=c?d#e+f%g'h(i)j!k*l~m/n", "line one\nline two\ttab", "👨‍👩‍👧‍👦".repeat(10)];
    for (const [i, message] of messages.entries()) {
      if (i === 5) await nextSecond();
      const res = await create(org, { PrefilledMessage: message });
      expect(res.json.Code, JSON.stringify(res.json)).toBe("OK");
      expect(res.json.Data.PrefilledMessage).toBe(message);
      const location = (await follow(res.json.Data.DeepLinkUrl)).headers.get("location")!;
      expect(location.startsWith(`https://wa.me/${org.phone}?text=`)).toBe(true);
      expect(location).not.toMatch(/[^A-Za-z0-9\-_.~%:/?=]/);
      expect(messageIn(location)).toBe(message);
      expect(decodeURIComponent(location.split("?text=")[1]!)).toBe(message);
    }
  });

  it("serves QrImageUrl as PNG and SVG that decode to the deep link, cacheable", async () => {
    const org = await seedMessageOrg();
    const png = (await create(org)).json.Data;
    const svg = (await create(org, { GenerateQrImage: "SVG" })).json.Data;
    expect(svg.QrImageUrl).toBe(`${ORIGIN}/message-qrdl/${svg.QrdlCode}.svg`);
    expect(svg.GenerateQrImage).toBe("SVG");

    const pngRes = await exports.default.fetch(new Request(png.QrImageUrl));
    expect(pngRes.status).toBe(200);
    expect(pngRes.headers.get("content-type")).toBe("image/png");
    expect(pngRes.headers.get("cache-control")).toBe("public, max-age=86400");
    const etag = pngRes.headers.get("etag")!;
    await expectScans(new Uint8Array(await pngRes.arrayBuffer()), png.DeepLinkUrl);

    const svgRes = await exports.default.fetch(new Request(svg.QrImageUrl));
    expect(svgRes.headers.get("content-type")).toBe("image/svg+xml");
    await expectSvgScans(await svgRes.text(), 600, svg.DeepLinkUrl);

    const again = await exports.default.fetch(new Request(png.QrImageUrl, { headers: { "If-None-Match": etag } }));
    expect(again.status).toBe(304);
    for (const path of [`/message-qrdl/${png.QrdlCode}.gif`, "/message-qrdl/ZZZZZZZZ.png", "/message-qrdl/short.png"])
      expect((await exports.default.fetch(new Request(`${ORIGIN}${path}`))).status, path).toBe(404);
  });

  it("refuses missing and invalid parameters", async () => {
    const org = await seedMessageOrg();
    expectAcsError(await signed({ key: org.key, action: "CreatePhoneMessageQrdl", params: { GenerateQrImage: "PNG", PrefilledMessage: "x" } }), "MissingParameter");
    expectAcsError(await create(org, { PrefilledMessage: "" }), "MissingParameter");
    expectAcsError(await create(org, { GenerateQrImage: "GIF" }), "InvalidParameter");
    expectAcsError(await create(org, { PhoneNumber: "12ab" }), "InvalidParameter");
    expectAcsError(await create(org, { PrefilledMessage: "x".repeat(141) }), "InvalidParameter");
    await nextSecond();
    const longest = await create(org, { PrefilledMessage: "😀".repeat(140), GenerateQrImage: "svg" });
    expect(longest.json.Code).toBe("OK");
    expect(longest.json.Data.GenerateQrImage).toBe("SVG");
    const missing = await create(org, { PhoneNumber: "" });
    expectAcsError(missing, "MissingParameter");
    expect(missing.json.Message).toContain('"PhoneNumber"');
  });

  it("needs the phone number registered to the caller's organization, and to the space when one is named", async () => {
    const org = await seedMessageOrg();
    const other = await seedMessageOrg();
    expectAcsError(await create(org, { PhoneNumber: other.phone }), "Unknown.ResourceOwnerId");
    expectAcsError(await create(org, { PhoneNumber: "4915112345678" }), "Unknown.ResourceOwnerId");
    expectAcsError(await create(org, { CustSpaceId: other.space }), "Unknown.ResourceOwnerId");
    expect((await create(org, { CustSpaceId: org.space })).json.Code).toBe("OK");
    expect((await create(org, { PhoneNumber: `+${org.phone}` })).json.Data.PhoneNumber).toBe(org.phone);
  });

  it("follows the organization's WhatsApp product switch", async () => {
    const org = await seedMessageOrg({ whatsapp: false });
    const off = await create(org);
    expectAcsError(off, "Product.Unsubscript");
    expect(off.json.Message).toBe("You have not subscribed to the specified product.");
    expect((await admin("PATCH", `/admin/organizations/${org.orgId}`, { whatsappEnabled: true })).status).toBe(200);
    expect((await create(org)).json.Code).toBe("OK");
    expect((await admin("PATCH", `/admin/organizations/${org.orgId}`, { whatsappEnabled: false })).status).toBe(200);
    expectAcsError(await create(org), "Product.Unsubscript");
  });
});

describe("permissions", () => {
  it("refuses each action the credential is not granted, naming it in AccessDeniedDetail", async () => {
    const org = await seedMessageOrg({ actions: ["cams:ListPhoneMessageQrdl"] });
    const denied = await create(org);
    expectAcsError(denied, "Ram.PermissionDeny");
    expect(denied.json.AccessDeniedDetail).toContain("cams:CreatePhoneMessageQrdl");
    expect(denied.json.AccessDeniedDetail).toContain(org.key.id);
    expect((await signed({ key: org.key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: org.phone } })).json.Code).toBe("OK");
    for (const action of ["UpdatePhoneMessageQrdl", "DeletePhoneMessageQrdl"]) {
      const res = await signed({ key: org.key, action, params: { PhoneNumber: org.phone, QrdlCode: "AAAAAAAA", GenerateQrImage: "PNG", PrefilledMessage: "x" } });
      expectAcsError(res, "Ram.PermissionDeny");
      expect(res.json.AccessDeniedDetail).toContain(`cams:${action}`);
    }
  });

  it("accepts organization bearer keys with the action (form or JSON), and never a read-only one for writes", async () => {
    const org = await seedMessageOrg();
    const writer = await org.issueBearer("read-write", ["cams:CreatePhoneMessageQrdl", "cams:ListPhoneMessageQrdl"]);
    const reader = await org.issueBearer("read-only", ["cams:CreatePhoneMessageQrdl", "cams:ListPhoneMessageQrdl"]);
    const params = { PhoneNumber: org.phone, GenerateQrImage: "PNG", PrefilledMessage: "From curl ✓" };
    const made = await bearer(writer, "CreatePhoneMessageQrdl", params);
    expect(made.json.Code, JSON.stringify(made.json)).toBe("OK");
    expect((await bearer(writer, "CreatePhoneMessageQrdl", params, { json: true })).json.Data.PrefilledMessage).toBe("From curl ✓");
    expectAcsError(await bearer(reader, "CreatePhoneMessageQrdl", params), "Ram.PermissionDeny");
    expect((await bearer(reader, "ListPhoneMessageQrdl", { PhoneNumber: org.phone })).json.Data).toHaveLength(2);
    expectAcsError(await bearer("zbk_unknown", "ListPhoneMessageQrdl", { PhoneNumber: org.phone }), "InvalidAccessKeyId.NotFound", 404);
    expectAcsError(await send(new Request(`${ORIGIN}/?Action=ListPhoneMessageQrdl&PhoneNumber=${org.phone}`)), "MissingParameter");
    // GET with query parameters, and POST with the action in the body.
    const get = await send(new Request(`${ORIGIN}/?Action=ListPhoneMessageQrdl&PhoneNumber=${org.phone}&Version=2020-06-06`, { headers: { Authorization: `Bearer ${reader}` } }));
    expect(get.json.Code, JSON.stringify(get.json)).toBe("OK");
    const inBody = await send(
      new Request(`${ORIGIN}/`, { method: "POST", headers: { Authorization: `Bearer ${reader}`, "Content-Type": "application/json" }, body: JSON.stringify({ Action: "ListPhoneMessageQrdl", PhoneNumber: org.phone }) }),
    );
    expect(inBody.json.Data).toHaveLength(2);
    expectAcsError(await send(new Request(`${ORIGIN}/`, { method: "POST", headers: { Authorization: `Bearer ${reader}` } })), "MissingParameter");
  });
});

describe("signature V3", () => {
  it("refuses a tampered body, header or signature, and a wrong secret", async () => {
    const org = await seedMessageOrg();
    const params = { PhoneNumber: org.phone, GenerateQrImage: "PNG", PrefilledMessage: "Hello" };
    const base = { key: org.key, action: "CreatePhoneMessageQrdl", params };
    const body = await signed({ ...base, after: (r) => (r.body = r.body.replace("Hello", "Hellp")) });
    expectAcsError(body, "SignatureDoesNotMatch");
    // A body changed together with its digest header: the signature covers the header.
    const digest = await signed({
      ...base,
      after: (r) => {
        r.body = r.body.replace("Hello", "Hellp");
        r.headers["x-acs-content-sha256"] = "0".repeat(64);
      },
    });
    expectAcsError(digest, "SignatureDoesNotMatch");
    const date = await signed({ ...base, after: (r) => (r.headers["x-acs-date"] = new Date(Date.now() + 1000).toISOString().replace(/\.\d{3}Z$/, "Z")) });
    expectAcsError(date, "SignatureDoesNotMatch");
    await nextSecond();
    const signature = await signed({ ...base, after: (r) => (r.headers.Authorization = r.headers.Authorization!.replace(/Signature=(.)/, (_m, ch) => `Signature=${ch === "a" ? "b" : "a"}`)) });
    expectAcsError(signature, "SignatureDoesNotMatch");
    expect(signature.json.Message).toContain("server string to sign is:ACS3-HMAC-SHA256\n");
    expectAcsError(await signed({ ...base, signWith: "not-the-secret" }), "SignatureDoesNotMatch");
    const unsigned = await signed({ ...base, after: (r) => (r.headers.Authorization = r.headers.Authorization!.replace("SignedHeaders=content-type;host;", "SignedHeaders=content-type;")) });
    expectAcsError(unsigned, "IncompleteSignature");
    expect((await signed(base)).json.Code).toBe("OK");
  });

  it("refuses a query whose key spells two parameters with the signature of those two (keys are encoded)", async () => {
    const org = await seedMessageOrg();
    const query = { CustSpaceId: "nope", PhoneNumber: org.phone };
    // Signed as two parameters, sent as one key `CustSpaceId=nope&PhoneNumber` holding the number.
    const honest = await signedRequest({ key: org.key, action: "ListPhoneMessageQrdl", query });
    const tampered = new Request(`${ORIGIN}/?CustSpaceId%3Dnope%26PhoneNumber=${org.phone}`, honest);
    expect([...new URL(tampered.url).searchParams.keys()]).toEqual(["CustSpaceId=nope&PhoneNumber"]);
    const answer = await send(tampered);
    expectAcsError(answer, "SignatureDoesNotMatch");
    // The same signed query, untouched, passes the signature (and is then judged on its merits).
    const untouched = await send(await signedRequest({ key: org.key, action: "ListPhoneMessageQrdl", query }));
    expect(untouched.json.Code).not.toMatch(/^(SignatureDoesNotMatch|IncompleteSignature)$/);
  });

  it("answers unknown and disabled AccessKeys as Alibaba does", async () => {
    const org = await seedMessageOrg();
    const params = { PhoneNumber: org.phone };
    expectAcsError(await signed({ key: { id: "EQAKnotakeyatall00000000", secret: "x" }, action: "ListPhoneMessageQrdl", params }), "InvalidAccessKeyId.NotFound", 404);
    expect((await admin("POST", `/admin/access-keys/${org.key.id}/disable`)).json.status).toBe("disabled");
    expectAcsError(await signed({ key: org.key, action: "ListPhoneMessageQrdl", params }), "InvalidAccessKeyId.Inactive");
    expect((await admin("POST", `/admin/access-keys/${org.key.id}/enable`)).json.status).toBe("active");
    expect((await signed({ key: org.key, action: "ListPhoneMessageQrdl", params })).json.Code).toBe("OK");
    expect((await admin("DELETE", `/admin/access-keys/${org.key.id}`)).status).toBe(204);
    expectAcsError(await signed({ key: org.key, action: "ListPhoneMessageQrdl", params }), "InvalidAccessKeyId.NotFound", 404);
  });

  it("refuses a replayed nonce, also when the replays race", async () => {
    const org = await seedMessageOrg();
    const request = await signedRequest({ key: org.key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: org.phone } });
    const first = await send(request.clone());
    expect(first.json.Code).toBe("OK");
    expectAcsError(await send(request.clone()), "SignatureNonceUsed");
    await nextSecond();
    const racing = await signedRequest({ key: org.key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: org.phone } });
    const answers = await Promise.all([1, 2, 3, 4].map(() => send(racing.clone())));
    expect(answers.filter((a) => a.json.Code === "OK")).toHaveLength(1);
    expect(answers.filter((a) => a.json.Code === "SignatureNonceUsed")).toHaveLength(3);
    // Nonces are per AccessKey: another key may use the same one.
    const second = await org.issueAccessKey(ALL_ACTIONS);
    expect((await signed({ key: second, action: "ListPhoneMessageQrdl", params: { PhoneNumber: org.phone }, nonce: "shared-nonce" })).json.Code).toBe("OK");
    expect((await signed({ key: org.key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: org.phone }, nonce: "shared-nonce" })).json.Code).toBe("OK");
  });

  it("refuses an x-acs-date more than 15 minutes off either way", async () => {
    const org = await seedMessageOrg();
    const at = (offsetMs: number) => signed({ key: org.key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: org.phone }, date: new Date(Date.now() + offsetMs) });
    expectAcsError(await at(-16 * 60_000), "InvalidTimeStamp.Expired");
    expectAcsError(await at(16 * 60_000), "InvalidTimeStamp.Expired");
    expect((await at(-14 * 60_000)).json.Code).toBe("OK");
    expect((await at(14 * 60_000)).json.Code).toBe("OK");
    const malformed = await signed({ key: org.key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: org.phone }, after: (r) => (r.headers["x-acs-date"] = "yesterday") });
    expectAcsError(malformed, "InvalidTimeStamp.Format");
  });

  it("takes the action and parameters from the query string too, and leaves GET / without an action to the console", async () => {
    const org = await seedMessageOrg();
    const res = await signed({ key: org.key, action: "ListPhoneMessageQrdl", query: { PhoneNumber: org.phone, Note: "a b+c*" } });
    expect(res.json.Code, JSON.stringify(res.json)).toBe("OK");
    // A person's GET / (no action) opens the console; the RPC endpoint answers only what carries an action.
    const plain = await exports.default.fetch(new Request(`${ORIGIN}/`, { redirect: "manual" }));
    expect(plain.status).toBe(302);
    expect(plain.headers.get("Location")).toBe("/console/");
    expectAcsError(await signed({ key: org.key, action: "DescribeEverything" }), "InvalidAction.NotFound", 404);
    expectAcsError(await signed({ key: org.key, action: "ListPhoneMessageQrdl", version: "2017-05-25" }), "InvalidVersion");
  });
});

describe("rate limit: 5 requests per rolling second per caller", () => {
  // Timing is proven on the limiter's own clock: driveGateClock decides each request at a time the
  // test sets, and the real-clock burst is judged by the arrival times the limiter used. How fast
  // this machine sends requests decides nothing here; wall-clock rates are the bench's.
  const list = (org: MessageOrg, key = org.key) => signed({ key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: org.phone } });
  const codes = (answers: { json: { Code: string } }[]) => answers.map((a) => a.json.Code);

  it("refuses the 6th request within a second with System.LimitControl and Retry-After, and admits again as the first leaves the window", async () => {
    const org = await seedMessageOrg();
    const clock = await driveGateClock(org.key);
    const t0 = clock.now;
    for (let i = 0; i < 5; i++) {
      clock.now = t0 + i * 100;
      expect((await list(org)).json.Code, `request at +${i * 100} ms`).toBe("OK");
    }
    clock.now = t0 + 999;
    const sixth = await list(org);
    expectAcsError(sixth, "System.LimitControl");
    expect(sixth.json.Message).toBe("The system is under flow control.");
    expect(sixth.headers.get("retry-after")).toBe("1");
    // At t0 + 1000 the first request's slot has left the window (t0, t0 + 1000]: one more, not two.
    clock.now = t0 + 1000;
    expect(codes([await list(org), await list(org)])).toEqual(["OK", "System.LimitControl"]);
    clock.now = t0 + 1100;
    expect((await list(org)).json.Code).toBe("OK");
  });

  it("admits exactly 5 of 50 concurrent requests within one second, and never throttles another caller", async () => {
    const org = await seedMessageOrg();
    const other = await org.issueAccessKey(ALL_ACTIONS);
    await driveGateClock(org.key);
    const answers = await Promise.all(Array.from({ length: 50 }, () => list(org)));
    expect(codes(answers).filter((c) => c === "OK")).toHaveLength(5);
    expect(codes(answers).filter((c) => c === "System.LimitControl")).toHaveLength(45);
    // Another caller's own window is empty: its first 5 pass however long they take to arrive.
    const others = await Promise.all(Array.from({ length: 5 }, () => list(org, other)));
    expect(codes(others)).toEqual(Array(5).fill("OK"));
  });

  it("lets 5 requests per second through for 3 seconds, and not one more", async () => {
    const org = await seedMessageOrg();
    const clock = await driveGateClock(org.key);
    const t0 = clock.now;
    for (let i = 0; i < 15; i++) {
      clock.now = t0 + i * 200;
      expect((await list(org)).json.Code, `request ${i} at +${i * 200} ms`).toBe("OK");
    }
    // Those in (t0 + 1801, t0 + 2801] are the 5 at +2000 … +2800.
    clock.now = t0 + 14 * 200 + 1;
    expectAcsError(await list(org), "System.LimitControl");
  });

  it("on the real clock, a burst is judged by the limiter's own arrival times (X-Bench-Gate-At, bench builds only)", async () => {
    const org = await seedMessageOrg();
    const bench = { ...env, BENCH_ROUTES: "1" } as Env;
    const requests = await Promise.all(Array.from({ length: 50 }, () => signedRequest({ key: org.key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: org.phone } })));
    const answers = await Promise.all(requests.map((r) => send(r, bench)));
    const admitted: number[] = [];
    const refused: number[] = [];
    for (const answer of answers) {
      const at = Number(answer.headers.get("x-bench-gate-at"));
      expect(Number.isSafeInteger(at) && at > 0, String(answer.headers.get("x-bench-gate-at"))).toBe(true);
      if (answer.json.Code === "OK") admitted.push(at);
      else {
        expectAcsError(answer, "System.LimitControl");
        expect(answer.headers.get("retry-after")).toBe("1");
        refused.push(at);
      }
    }
    // A fresh caller's first 5 arrivals always pass; a burst spread over more than a second by a
    // busy machine may rightly admit more, but never 6 within 1000 ms of the limiter's clock, and
    // nothing is refused while its window had room.
    expect(admitted.length).toBeGreaterThanOrEqual(5);
    expect(mostInAnyWindow(admitted, 1000)).toBeLessThanOrEqual(5);
    expect(refusalsWithRoom(admitted, refused, 5, 1000)).toEqual([]);
    // Production responses never carry it.
    expect((await list(org, await org.issueAccessKey(ALL_ACTIONS))).headers.get("x-bench-gate-at")).toBeNull();
  });

  it("is an exact sliding window in the Durable Object", async () => {
    const stub = env.CALLER_GATE.get(env.CALLER_GATE.idFromName(`test:${crypto.randomUUID()}`));
    await runInDurableObject(stub, (gate: CallerGate) => {
      const t0 = 1_000_000;
      for (let i = 0; i < 5; i++) expect(gate.admitAt(null, t0 + i * 200)).toEqual({ at: t0 + i * 200, admitted: true });
      expect(gate.admitAt(null, t0 + 999)).toEqual({ at: t0 + 999, admitted: false, reason: "rate-limited", retryAfterMs: 1 });
      // Exactly 5 per second sustained: each arrives as the oldest of the window leaves it.
      for (let i = 5; i < 50; i++) expect(gate.admitAt(null, t0 + i * 200).admitted, `request ${i}`).toBe(true);
      expect(gate.admitAt(null, t0 + 49 * 200 + 1).admitted).toBe(false);
      // Nonces: single-use for 15 minutes, then forgotten.
      expect(gate.admitAt("n-1", t0 + 20_000).admitted).toBe(true);
      expect(gate.admitAt("n-1", t0 + 30_000)).toEqual({ at: t0 + 30_000, admitted: false, reason: "nonce-used" });
      expect(gate.admitAt("n-1", t0 + 20_000 + 15 * 60_000 + 1).admitted).toBe(true);
      // A request dated 14 minutes ahead stays acceptable for 29 minutes: so does its nonce.
      const later = t0 + 3_600_000;
      expect(gate.admitAt("n-2", later, later + 14 * 60_000).admitted).toBe(true);
      expect(gate.admitAt("n-2", later + 28 * 60_000, later + 14 * 60_000)).toEqual({ at: later + 28 * 60_000, admitted: false, reason: "nonce-used" });
      expect(gate.admitAt("n-2", later + 29 * 60_000 + 1, later + 14 * 60_000).admitted).toBe(true);
    });
  });

  it("admits exactly 5 in each of 3 simulated seconds of bursts; 999 ms is inside the window, 1000 ms outside", async () => {
    const stub = env.CALLER_GATE.get(env.CALLER_GATE.idFromName(`test:${crypto.randomUUID()}`));
    await runInDurableObject(stub, (gate: CallerGate) => {
      const t0 = 5_000_000;
      for (let second = 0; second < 3; second++) {
        const at = t0 + second * 1000;
        const verdicts = Array.from({ length: 8 }, (_, i) => gate.admitAt(null, at + i * 100));
        expect(verdicts.map((v) => v.admitted), `second ${second}`).toEqual([true, true, true, true, true, false, false, false]);
        expect(verdicts.map((v) => v.at)).toEqual(Array.from({ length: 8 }, (_, i) => at + i * 100));
        expect(gate.admitAt(null, at + 999).admitted, `second ${second}, +999 ms`).toBe(false);
      }
      // Boundaries: 5 at one instant t; t + 999 is still within their window, t + 1000 is not.
      const t = t0 + 10_000;
      for (let i = 0; i < 5; i++) expect(gate.admitAt(null, t).admitted).toBe(true);
      expect(gate.admitAt(null, t)).toEqual({ at: t, admitted: false, reason: "rate-limited", retryAfterMs: 1000 });
      expect(gate.admitAt(null, t + 999)).toEqual({ at: t + 999, admitted: false, reason: "rate-limited", retryAfterMs: 1 });
      for (let i = 0; i < 5; i++) expect(gate.admitAt(null, t + 1000).admitted, `at +1000 ms, ${i}`).toBe(true);
      expect(gate.admitAt(null, t + 1000).admitted).toBe(false);
    });
  });
});

describe("List, Update and Delete", () => {
  it("lists a number's codes with the SDK's field names", async () => {
    const org = await seedMessageOrg();
    const a = (await create(org, { PrefilledMessage: "first" })).json.Data;
    const b = (await create(org, { PrefilledMessage: "second", GenerateQrImage: "SVG", CustSpaceId: org.space })).json.Data;
    const res = await signed({ key: org.key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: org.phone } });
    expect(res.json.Code).toBe("OK");
    expect(res.json.Data).toHaveLength(2);
    expect(res.json.Data).toEqual(expect.arrayContaining([a, b]));
    const other = await seedMessageOrg();
    expectAcsError(await signed({ key: other.key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: org.phone } }), "Unknown.ResourceOwnerId");
    expectAcsError(await signed({ key: other.key, action: "ListPhoneMessageQrdl", params: {} }), "MissingParameter");
  });

  it("updates the message: the code, deep link and image URL stay, the redirect follows", async () => {
    captureScans();
    const org = await seedMessageOrg();
    const made = (await create(org, { PrefilledMessage: "old" })).json.Data;
    const res = await signed({ key: org.key, action: "UpdatePhoneMessageQrdl", params: { QrdlCode: made.QrdlCode, PhoneNumber: org.phone, GenerateQrImage: "PNG", PrefilledMessage: "new ✨" } });
    expect(res.json.Code, JSON.stringify(res.json)).toBe("OK");
    expect(res.json.Data).toEqual({ ...made, PrefilledMessage: "new ✨" });
    expect(messageIn((await follow(made.DeepLinkUrl)).headers.get("location")!)).toBe("new ✨");
    const listed = await signed({ key: org.key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: org.phone } });
    expect(listed.json.Data).toEqual([res.json.Data]);
    const other = await seedMessageOrg();
    expectAcsError(
      await signed({ key: other.key, action: "UpdatePhoneMessageQrdl", params: { QrdlCode: made.QrdlCode, PhoneNumber: other.phone, GenerateQrImage: "PNG", PrefilledMessage: "hijack" } }),
      "Unknown.ResourceOwnerId",
    );
    expectAcsError(await signed({ key: org.key, action: "UpdatePhoneMessageQrdl", params: { QrdlCode: made.QrdlCode, PhoneNumber: org.phone, GenerateQrImage: "PNG" } }), "MissingParameter");
  });

  it("deletes: the deep link and image are gone, the list is empty", async () => {
    captureScans();
    const org = await seedMessageOrg();
    const made = (await create(org)).json.Data;
    expect((await exports.default.fetch(new Request(made.QrImageUrl))).status).toBe(200);
    const res = await signed({ key: org.key, action: "DeletePhoneMessageQrdl", params: { QrdlCode: made.QrdlCode, PhoneNumber: org.phone } });
    expect(res.json.Code, JSON.stringify(res.json)).toBe("OK");
    expect(res.json.Data).toBeUndefined();
    expect((await follow(made.DeepLinkUrl)).status).toBe(404);
    expect((await exports.default.fetch(new Request(made.QrImageUrl))).status).toBe(404);
    expect((await signed({ key: org.key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: org.phone } })).json.Data).toEqual([]);
    expectAcsError(await signed({ key: org.key, action: "DeletePhoneMessageQrdl", params: { QrdlCode: made.QrdlCode, PhoneNumber: org.phone } }), "Unknown.ResourceOwnerId");
  });
});

describe("AccessKey administration", () => {
  it("shows the secret once, stores it encrypted, and lists keys without it", async () => {
    const org = await seedMessageOrg();
    const listed = await admin("GET", `/admin/organizations/${org.orgId}/access-keys`);
    expect(listed.json.items).toHaveLength(1);
    expect(listed.json.items[0]).toMatchObject({ id: org.key.id, status: "active", actions: ALL_ACTIONS, secretPrefix: `${org.key.secret.slice(0, 4)}…` });
    expect(JSON.stringify(listed.json)).not.toContain(org.key.secret);
    const row = await env.DB.prepare("SELECT * FROM access_keys WHERE id = ?1").bind(org.key.id).first<Record<string, string>>();
    expect(JSON.stringify(row)).not.toContain(org.key.secret);
    expect(row!.secret_ciphertext).toMatch(/^[0-9a-f]{8}\.[\w-]+\.[\w-]+$/);
    expect((await admin("POST", `/admin/organizations/${org.orgId}/access-keys`, { name: "x", actions: ["cams:Nope"] })).status).toBe(400);
  });

  it("grants every message QR code action when none are named, and the key can sign them", async () => {
    const org = await seedMessageOrg();
    const res = await admin("POST", `/admin/organizations/${org.orgId}/access-keys`, { name: "defaults" });
    expect(res.status).toBe(201);
    expect(res.json.accessKey.actions).toEqual(ALL_ACTIONS);
    const key = { id: res.json.accessKeyId, secret: res.json.accessKeySecret };
    expect((await signed({ key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: org.phone } })).json.Code).toBe("OK");
  });

  it("rotates the encryption key: old secrets verify during the rotation and are re-sealed", async () => {
    const org = await seedMessageOrg();
    const rotated = { ...env, ACCESS_KEY_ENCRYPTION_KEY: "a-brand-new-encryption-key-9876543210", ACCESS_KEY_ENCRYPTION_KEY_PREVIOUS: (env as Env).ACCESS_KEY_ENCRYPTION_KEY };
    const fetchWith = (bindings: Env, request: Request) => fetchSettled(request, bindings);
    const list = async () => signedRequest({ key: org.key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: org.phone } });
    expect((await (await fetchWith(rotated, await list())).json<any>()).Code).toBe("OK");
    const result = await fetchWith(rotated, new Request(`${ORIGIN}/admin/access-keys/re-encrypt`, { method: "POST", headers: { Authorization: "Bearer test-admin-token" } }));
    const summary = await result.json<any>();
    expect(summary.resealed).toBeGreaterThanOrEqual(1);
    expect(summary.remaining).toBe(0);
    // After the rotation the new key alone is enough; the old one alone no longer is.
    const newOnly = { ...env, ACCESS_KEY_ENCRYPTION_KEY: rotated.ACCESS_KEY_ENCRYPTION_KEY, ACCESS_KEY_ENCRYPTION_KEY_PREVIOUS: undefined };
    expect((await (await fetchWith(newOnly, await list())).json<any>()).Code).toBe("OK");
    const oldOnly = await fetchWith(env, await list());
    expect((await oldOnly.json<any>()).Code).toBe("ServiceUnavailable");
    // Put this key back under the test key so other tests in this file are unaffected.
    const back = { ...env, ACCESS_KEY_ENCRYPTION_KEY_PREVIOUS: rotated.ACCESS_KEY_ENCRYPTION_KEY };
    await fetchWith(back, new Request(`${ORIGIN}/admin/access-keys/re-encrypt`, { method: "POST", headers: { Authorization: "Bearer test-admin-token" } }));
  });

  it("binds each ciphertext to its AccessKey ID and its encryption key", async () => {
    const ring = { current: await importSecretKey("k".repeat(32)), previous: null };
    const sealed = await encryptSecret(ring, "EQAKaaaaaaaaaaaaaaaaaaaa", "the-secret");
    expect(sealed.startsWith(`${ring.current.id}.`)).toBe(true);
    expect(await decryptSecret(ring, "EQAKaaaaaaaaaaaaaaaaaaaa", sealed)).toBe("the-secret");
    await expect(decryptSecret(ring, "EQAKbbbbbbbbbbbbbbbbbbbb", sealed)).rejects.toThrow(/does not decrypt/);
    await expect(decryptSecret({ current: await importSecretKey("j".repeat(32)), previous: null }, "EQAKaaaaaaaaaaaaaaaaaaaa", sealed)).rejects.toThrow(/not configured/);
    const flipped = sealed.slice(0, -2) + (sealed.at(-2) === "A" ? "B" : "A") + sealed.at(-1);
    await expect(decryptSecret(ring, "EQAKaaaaaaaaaaaaaaaaaaaa", flipped)).rejects.toThrow();
    await expect(importSecretKey("too short")).rejects.toThrow(/at least 32/);
  });

  it("caps the body and answers in the Alibaba envelope", async () => {
    const org = await seedMessageOrg();
    const res = await signed({ key: org.key, action: "CreatePhoneMessageQrdl", params: { PhoneNumber: org.phone, GenerateQrImage: "PNG", PrefilledMessage: "x".repeat(70_000) } });
    expect(res.status).toBe(413);
    expect(res.json.Code).toBe("InvalidParameter.BodyTooLarge");
    expect(res.json.RequestId).toBe(res.headers.get("x-acs-request-id"));
  });

  it("registers phone numbers once, to one organization", async () => {
    const org = await seedMessageOrg();
    const other = await seedMessageOrg();
    const taken = await admin("POST", `/admin/organizations/${other.orgId}/whatsapp-phone-numbers`, { phoneNumber: org.phone });
    expect(taken.status).toBe(409);
    expect((await admin("POST", `/admin/organizations/${org.orgId}/whatsapp-phone-numbers`, { phoneNumber: "12" })).status).toBe(400);
    const listed = await admin("GET", `/admin/organizations/${org.orgId}/whatsapp-phone-numbers`);
    expect(listed.json.items).toEqual([expect.objectContaining({ phoneNumber: org.phone, custSpaceId: org.space })]);
    expect((await admin("DELETE", `/admin/organizations/${org.orgId}/whatsapp-phone-numbers/${org.phone}`)).status).toBe(204);
    expectAcsError(await create(org), "Unknown.ResourceOwnerId");
  });
});

describe("message QR codes and the QR code resource", () => {
  it("the deep link's code is changed only through the message API; deleting it removes the message QR code", async () => {
    const org = await seedMessageOrg();
    const created = await create(org, { PrefilledMessage: "Hello" });
    const token = created.json.Data.QrdlCode as string;
    const bearerKey = await org.issueBearer("read-write", ["qr:ReadQrCode", "qr:WriteQrCode", ...ALL_ACTIONS]);
    const auth = { Authorization: `Bearer ${bearerKey}`, "Content-Type": "application/json" };
    const list = await exports.default.fetch(new Request(`${ORIGIN}/qr_codes`, { headers: auth }));
    const code = (await list.json<{ member: { id: string; metadata: { shortToken: string } }[] }>()).member.find((m) => m.metadata.shortToken === token)!;
    const put = await exports.default.fetch(
      new Request(`${ORIGIN}/qr_codes/${code.id}`, { method: "PUT", headers: auth, body: JSON.stringify({ name: "hijack", type: "text", content: { text: "x" } }) }),
    );
    expect(put.status).toBe(409);
    expect(await put.json()).toMatchObject({ "@type": "Error", status: 409, detail: expect.stringContaining("UpdatePhoneMessageQrdl") });
    const redirect = await exports.default.fetch(new Request(`${ORIGIN}/r/${token}`, { redirect: "manual" }));
    expect(redirect.headers.get("location")).toMatch(/^https:\/\/wa\.me\/\d+\?text=Hello$/);
    const deleted = await exports.default.fetch(new Request(`${ORIGIN}/qr_codes/${code.id}`, { method: "DELETE", headers: auth }));
    expect(deleted.status).toBe(204);
    const listed = await signed({ key: org.key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: org.phone } });
    expect(JSON.stringify(listed.json)).not.toContain(token);
  });
});
