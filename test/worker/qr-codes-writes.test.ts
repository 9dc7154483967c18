import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { pushRedirect, refillRedirect, syncMarker, type RedirectRecord } from "../../src/codes/short-links";
import { DEFAULT_APPEARANCE } from "../../src/qr";
import { call, seedOrg } from "./qr-support";

afterEach(() => vi.restoreAllMocks());

async function runCron(scheduledTime: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime, cron: "*/10 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

const sha256 = async (text: string) => [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))].map((b) => b.toString(16).padStart(2, "0")).join("");

const url = (path: string) => ({ name: "n", content: { url: `https://example.com/${path}` } });

describe("PUT replaces; short tokens are stable", () => {
  it("fields left out return to their defaults", async () => {
    const org = await seedOrg();
    const created = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Styled", content: { url: "https://a.example" }, appearance: { shape: "circle", margin: 12, dotsOptionsColor: "#111111", cornersSquareOptionsType: "extra-rounded" } } })).json;
    expect(created.appearance.shape).toBe("circle");
    const replaced = await call("PUT", `/qr_codes/${created.id}`, { key: org.writeKey, body: { name: "Plain", content: { url: "https://b.example" } } });
    expect(replaced.status).toBe(200);
    expect(replaced.json.appearance).toEqual(DEFAULT_APPEARANCE);
    expect(replaced.json.type).toBe("url");
    expect(replaced.json.metadata.shortToken).toBe(created.metadata.shortToken);
    const text = await call("PUT", `/qr_codes/${created.id}`, { key: org.writeKey, body: { name: "Now text", type: "text", content: { text: "hi" } } });
    expect(text.json.metadata.shortToken).toBe(created.metadata.shortToken);
    expect(text.json.attributes.hostedPageUrl).toBe(`https://qr.test/p/${created.metadata.shortToken}`);
  });

  it("a static code has no token; made dynamic it gets one and keeps it", async () => {
    const org = await seedOrg();
    const created = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Call", type: "call", content: { phoneNumber: "+15550100" } } })).json;
    expect(created.metadata.shortToken).toBeNull();
    const dynamic = (await call("PUT", `/qr_codes/${created.id}`, { key: org.writeKey, body: url("x") })).json;
    const token = dynamic.metadata.shortToken;
    expect(token).toMatch(/^[0-9A-Za-z]{8}$/);
    expect(await env.LINKS.get(token, "json")).toMatchObject({ type: "url", target: "https://example.com/x" });
    const back = (await call("PUT", `/qr_codes/${created.id}`, { key: org.writeKey, body: { name: "Call", type: "call", content: { phoneNumber: "+15550100" } } })).json;
    expect(back.metadata.shortToken).toBeNull();
    expect(await env.LINKS.get(token)).toBeNull();
    const again = (await call("PUT", `/qr_codes/${created.id}`, { key: org.writeKey, body: url("y") })).json;
    expect(again.metadata.shortToken).toBe(token);
  });
});

describe("ETag and If-Match", () => {
  it("a stale If-Match is refused with 412; the current one and * are accepted", async () => {
    const org = await seedOrg();
    const created = await call("POST", "/qr_codes", { key: org.writeKey, body: url("1") });
    const etag = created.headers.get("etag")!;
    expect(etag).toBe('"v1"');
    const first = await call("PUT", `/qr_codes/${created.json.id}`, { key: org.writeKey, body: url("2"), headers: { "If-Match": etag } });
    expect(first.status).toBe(200);
    expect(first.headers.get("etag")).toBe('"v2"');
    const stale = await call("PUT", `/qr_codes/${created.json.id}`, { key: org.writeKey, body: url("3"), headers: { "If-Match": etag } });
    expect(stale.status).toBe(412);
    expect(stale.json).toMatchObject({ "@type": "Error", status: 412, type: "/errors/412" });
    expect((await call("GET", `/qr_codes/${created.json.id}`, { key: org.readKey })).json.content.url).toBe("https://example.com/2");
    expect((await call("PUT", `/qr_codes/${created.json.id}`, { key: org.writeKey, body: url("4"), headers: { "If-Match": '"v9", "v2"' } })).status).toBe(200);
    expect((await call("PUT", `/qr_codes/${created.json.id}`, { key: org.writeKey, body: url("5"), headers: { "If-Match": "*" } })).status).toBe(200);
    expect((await call("DELETE", `/qr_codes/${created.json.id}`, { key: org.writeKey, headers: { "If-Match": '"v1"' } })).status).toBe(412);
    expect((await call("DELETE", `/qr_codes/${created.json.id}`, { key: org.writeKey, headers: { "If-Match": '"v4"' } })).status).toBe(204);
  });

  it("two editors racing with the same tag: exactly one wins", async () => {
    const org = await seedOrg();
    const created = await call("POST", "/qr_codes", { key: org.writeKey, body: url("1") });
    const results = await Promise.all(
      ["a", "b", "c", "d"].map((suffix) => call("PUT", `/qr_codes/${created.json.id}`, { key: org.writeKey, body: url(suffix), headers: { "If-Match": '"v1"' } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 412, 412, 412]);
  });
});

describe("Idempotency-Key", () => {
  it("a retried create returns the first result and makes one code", async () => {
    const org = await seedOrg();
    const headers = { "Idempotency-Key": "order-42" };
    const first = await call("POST", "/qr_codes", { key: org.writeKey, body: url("1"), headers });
    const retry = await call("POST", "/qr_codes", { key: org.writeKey, body: url("1"), headers });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.json).toEqual(first.json);
    expect(retry.headers.get("location")).toBe(first.headers.get("location"));
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect((await call("GET", "/qr_codes", { key: org.readKey })).json.totalItems).toBe(1);
    const reused = await call("POST", "/qr_codes", { key: org.writeKey, body: url("2"), headers });
    expect(reused.status).toBe(422);
    expect(reused.json.detail).toMatch(/Idempotency-Key/);
    // Keys are per organization.
    const other = await seedOrg();
    expect((await call("POST", "/qr_codes", { key: other.writeKey, body: url("1"), headers })).json.id).not.toBe(first.json.id);
  });

  it("concurrent requests with one key make exactly one code", async () => {
    const org = await seedOrg();
    const results = await Promise.all(Array.from({ length: 8 }, () => call("POST", "/qr_codes", { key: org.writeKey, body: url("same"), headers: { "Idempotency-Key": "burst" } })));
    expect(new Set(results.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(results.map((r) => r.json.id)).size).toBe(1);
    expect((await call("GET", "/qr_codes", { key: org.readKey })).json.totalItems).toBe(1);
  });

  it("keeps a keyed fingerprint of the request, so a password in the body cannot be tested against D1", async () => {
    const org = await seedOrg();
    const body = { ...url("locked"), password: "correct horse battery" };
    const first = await call("POST", "/qr_codes", { key: org.writeKey, body, headers: { "Idempotency-Key": "locked-1" } });
    expect(first.status, first.text).toBe(201);
    const row = await env.DB.prepare("SELECT request_hash FROM idempotency_keys WHERE org_id = ?1 AND key = 'locked-1'").bind(org.orgId).first<{ request_hash: string }>();
    expect(row!.request_hash).toMatch(/^hmac:[0-9a-f]{64}$/);
    expect(row!.request_hash).not.toContain(await sha256(JSON.stringify(body)));
    const retry = await call("POST", "/qr_codes", { key: org.writeKey, body, headers: { "Idempotency-Key": "locked-1" } });
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.json.id).toBe(first.json.id);
    // Another password is another request.
    const other = await call("POST", "/qr_codes", { key: org.writeKey, body: { ...body, password: "wrong horse battery" }, headers: { "Idempotency-Key": "locked-1" } });
    expect(other.status).toBe(422);
  });

  it("the cron expires keys after a day", async () => {
    const org = await seedOrg();
    await call("POST", "/qr_codes", { key: org.writeKey, body: url("1"), headers: { "Idempotency-Key": "old" } });
    const later = Date.now() + 25 * 60 * 60 * 1000;
    await runCron(later);
    const again = await call("POST", "/qr_codes", { key: org.writeKey, body: url("2"), headers: { "Idempotency-Key": "old" } });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBeNull();
  });
});

describe("KV redirect records", () => {
  it("written on create, rewritten on update, removed on delete; tokens never reused", async () => {
    const org = await seedOrg();
    const code = (await call("POST", "/qr_codes", { key: org.writeKey, body: url("first") })).json;
    const token = code.metadata.shortToken;
    expect(await env.LINKS.get(token, "json")).toEqual({ type: "url", target: "https://example.com/first", codeId: code.id, orgId: org.orgId, updatedAt: code.metadata.updatedAt, version: 1 });
    expect((await env.LINKS.getWithMetadata(token)).metadata).toEqual({ version: 1 });
    await call("PUT", `/qr_codes/${code.id}`, { key: org.writeKey, body: { name: "n", type: "event", content: { name: "E", startDate: "2026-12-10T18:00:00Z", endDate: "2026-12-10T19:00:00Z" } } });
    expect(await env.LINKS.get(token, "json")).toMatchObject({ type: "event", target: `/p/${token}` });
    await call("DELETE", `/qr_codes/${code.id}`, { key: org.writeKey });
    expect(await env.LINKS.get(token)).toBeNull();
    const reserved = await env.DB.prepare("SELECT code_id FROM short_tokens WHERE token = ?1").bind(token).first<{ code_id: string }>();
    expect(reserved?.code_id).toBe(code.id);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM redirect_sync WHERE token = ?1").bind(token).first("n")).toBe(0);
  });

  it("a failed KV write leaves a marker that the cron repairs from D1", async () => {
    const org = await seedOrg();
    const put = vi.spyOn(env.LINKS, "put").mockRejectedValue(new Error("KV unavailable"));
    const created = await call("POST", "/qr_codes", { key: org.writeKey, body: url("kept") });
    expect(created.status).toBe(201);
    const token = created.json.metadata.shortToken;
    expect(put).toHaveBeenCalled();
    put.mockRestore();
    expect(await env.LINKS.get(token)).toBeNull();
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM redirect_sync WHERE token = ?1").bind(token).first("n")).toBe(1);
    // Within the grace period the marker is left alone (its request may still be writing).
    await runCron(Date.now());
    expect(await env.LINKS.get(token)).toBeNull();
    await runCron(Date.now() + 120_000);
    expect(await env.LINKS.get(token, "json")).toMatchObject({ target: "https://example.com/kept" });
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM redirect_sync WHERE token = ?1").bind(token).first("n")).toBe(0);
  });

  it("a write that lands after a newer one is corrected at once (its marker was superseded)", async () => {
    const org = await seedOrg();
    const code = (await call("POST", "/qr_codes", { key: org.writeKey, body: url("v1") })).json;
    const token = code.metadata.shortToken;
    const stale = await env.LINKS.get<RedirectRecord>(token, "json");
    await call("PUT", `/qr_codes/${code.id}`, { key: org.writeKey, body: url("v2") });
    // The first request's KV write arrives late, after the second one's write and clear.
    expect(await pushRedirect(env, token, stale, syncMarker())).toBe(true);
    expect(await env.LINKS.get(token, "json")).toMatchObject({ target: "https://example.com/v2", version: 2 });
  });

  it("a refill from a stale read never resurrects an older version or a deleted code", async () => {
    const org = await seedOrg();
    const code = (await call("POST", "/qr_codes", { key: org.writeKey, body: url("v1") })).json;
    const token = code.metadata.shortToken;
    const stale = (await env.LINKS.get<RedirectRecord>(token, "json"))!;
    await call("PUT", `/qr_codes/${code.id}`, { key: org.writeKey, body: url("v2") });
    await refillRedirect(env, token, stale);
    expect(await env.LINKS.get(token, "json")).toMatchObject({ target: "https://example.com/v2", version: 2 });
    await call("DELETE", `/qr_codes/${code.id}`, { key: org.writeKey });
    await refillRedirect(env, token, stale);
    expect(await env.LINKS.get(token)).toBeNull();
  });

  it("a failed KV delete is repaired too", async () => {
    const org = await seedOrg();
    const code = (await call("POST", "/qr_codes", { key: org.writeKey, body: url("gone") })).json;
    const token = code.metadata.shortToken;
    vi.spyOn(env.LINKS, "delete").mockRejectedValueOnce(new Error("KV unavailable"));
    expect((await call("DELETE", `/qr_codes/${code.id}`, { key: org.writeKey })).status).toBe(204);
    expect(await env.LINKS.get(token)).not.toBeNull();
    await runCron(Date.now() + 120_000);
    expect(await env.LINKS.get(token)).toBeNull();
  });
});

describe("schema.org", () => {
  it("an event is an Event, a vcard a Person, other types their raw content", async () => {
    const org = await seedOrg();
    const event = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Launch night", type: "event", content: { name: "Product Launch", startDate: "2026-05-10T18:00:00+00:00", endDate: "2026-05-10T21:00:00+00:00", location: "Paris" } } })).json;
    const res = await call("GET", `/qr_codes/${event.id}/schemaorg`, { key: org.readKey });
    expect(res.status).toBe(200);
    const token = event.metadata.shortToken;
    expect(res.json).toMatchObject({
      id: event.id,
      qrCode: { "@context": "https://schema.org", "@type": "BarCode", identifier: token, name: "Launch night", caption: "Scan me", maintainer: { "@type": "Organization" }, dateCreated: { "@type": "DateTime", dateCreated: event.metadata.createdAt } },
      content: { "@context": "https://schema.org", "@type": "Event", identifier: token, name: "Product Launch", startDate: "2026-05-10T18:00:00+00:00", endDate: "2026-05-10T21:00:00+00:00", location: { "@type": "Place", name: "Paris" }, url: `https://qr.test/p/${token}` },
    });
    const vcard = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Card", type: "vcard", content: { firstName: "Ada", lastName: "Lovelace", jobTitle: "Analyst", organisation: "Engines", tel: "+442079460000", email: "ada@example.com", url: "https://ada.example", street: "1 Main St", city: "London", zipCode: "N1", country: "UK" } } })).json;
    expect((await call("GET", `/qr_codes/${vcard.id}/schemaorg`, { key: org.readKey })).json.content).toEqual({
      "@context": "https://schema.org",
      "@type": "Person",
      identifier: vcard.metadata.shortToken,
      name: "Ada Lovelace",
      givenName: "Ada",
      familyName: "Lovelace",
      jobTitle: "Analyst",
      worksFor: { "@type": "Organization", name: "Engines" },
      telephone: "+442079460000",
      email: "ada@example.com",
      url: "https://ada.example",
      address: { "@type": "PostalAddress", streetAddress: "1 Main St", addressLocality: "London", postalCode: "N1", addressCountry: "UK" },
    });
    const wifi = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Wifi", type: "wifi", content: { ssid: "Home", password: "secret123" } } })).json;
    const wifiSchema = (await call("GET", `/qr_codes/${wifi.id}/schemaorg`, { key: org.readKey })).json;
    expect(wifiSchema.content).toEqual(wifi.content);
    expect(wifiSchema.qrCode.identifier).toBe(wifi.id);
  });
});
