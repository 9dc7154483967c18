import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_APPEARANCE } from "../../src/qr";
import { SAMPLES } from "./qr-samples";
import { call, revokeKey, seedOrg } from "./qr-support";

/** Every default design is drawn for every decoder family (issue 16): the representation says so. */
const UNIVERSAL = { guarantee: "universal", mayFail: [] };


const HOSTED = new Set(["text", "links", "audio", "event"]);
const STATIC = new Set(["email", "call", "sms", "geo", "wifi"]);

async function create(key: string, body: unknown) {
  return call("POST", "/qr_codes", { key, body });
}

describe("QR code resource: create and read", () => {
  it("creates a url code with the documented representation, 201 and Location", async () => {
    const org = await seedOrg();
    const res = await create(org.writeKey, { name: "Launch landing page", type: "url", content: { url: "https://example.com" }, appearance: { shape: "circle", margin: 12, dotsOptionsType: "rounded" } });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toMatch(/^application\/ld\+json/);
    const code = res.json;
    expect(res.headers.get("location")).toBe(`/qr_codes/${code.id}`);
    expect(Object.keys(code)).toEqual(["id", "name", "type", "content", "metadata", "appearance", "attributes", "links", "analytics", "limits", "routing", "utm", "health", "tags"]);
    expect(code.health).toBeNull();
    expect(code.routing).toEqual({ rules: [], variants: [] });
    expect(code.utm).toEqual({ source: null, medium: null, campaign: null, term: null, content: null });
    expect(code.limits).toEqual({ validFrom: null, validUntil: null, maxScans: null, fallbackUrl: null, fallbackWhenBroken: false });
    expect(code.id).toMatch(/^[0-9a-f]{24}$/);
    expect(code.metadata.shortToken).toMatch(/^[0-9A-Za-z]{8}$/);
    expect(code.metadata.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    expect(code.metadata.updatedAt).toBe(code.metadata.createdAt);
    expect(code.appearance).toEqual({ ...DEFAULT_APPEARANCE, shape: "circle", margin: 12, dotsOptionsType: "rounded" });
    expect(Object.keys(code.appearance)).toEqual(Object.keys(DEFAULT_APPEARANCE));
    expect(code.attributes).toEqual({ dynamicUrl: `https://qr.test/r/${code.metadata.shortToken}`, shareUrl: `https://qr.test/s/${code.metadata.shortToken}`, passwordProtected: false, scannability: UNIVERSAL });
    expect(code.links).toEqual([
      { rel: "self", href: `/qr_codes/${code.id}`, method: "GET" },
      { rel: "https://twilee.com/rels/download", href: `/qr_codes/${code.id}/download`, method: "POST" },
      { rel: "https://twilee.com/rels/schema-org", href: `/qr_codes/${code.id}/schemaorg`, method: "GET" },
      { rel: "https://twilee.com/rels/scan-logs", href: `/qr_codes/${code.id}/scans`, method: "GET" },
    ]);
    expect(code.analytics).toEqual({ scans: 0, clicks: 0 });
    const read = await call("GET", `/qr_codes/${code.id}`, { key: org.readKey });
    expect(read.status).toBe(200);
    expect(read.json).toEqual(code);
    expect(read.headers.get("etag")).toBe('"v1"');
  });

  it("defaults type to url and ignores unknown keys", async () => {
    const org = await seedOrg();
    // Unknown keys of the body are ignored; inside content and appearance they are refused (qr-codes-patch.test.ts).
    const res = await create(org.writeKey, { name: "n", content: { url: "https://example.com" }, colour: "red" });
    expect(res.status).toBe(201);
    expect(res.json.type).toBe("url");
    expect(res.json.content).toEqual({ url: "https://example.com" });
    expect(res.json.appearance).toEqual(DEFAULT_APPEARANCE);
  });

  it("uses PUBLIC_BASE_URL for public links when configured", async () => {
    const org = await seedOrg();
    const configurable = env as unknown as { PUBLIC_BASE_URL?: string };
    const previous = configurable.PUBLIC_BASE_URL;
    configurable.PUBLIC_BASE_URL = "https://qr.example/";
    try {
      const res = await create(org.writeKey, { name: "n", type: "text", content: { text: "hi" } });
      const token = res.json.metadata.shortToken;
      expect(res.json.attributes).toEqual({
        dynamicUrl: `https://qr.example/r/${token}`,
        shareUrl: `https://qr.example/s/${token}`,
        hostedPageUrl: `https://qr.example/p/${token}`,
        passwordProtected: false,
        scannability: UNIVERSAL,
      });
    } finally {
      configurable.PUBLIC_BASE_URL = previous;
    }
  });

  for (const [type, sample] of Object.entries(SAMPLES))
    it(`${type}: create, read, replace and delete`, async () => {
      const org = await seedOrg();
      const created = await create(org.writeKey, { name: `A ${type} code`, type, content: sample.content });
      expect(created.status, created.text).toBe(201);
      const code = created.json;
      expect(code.type).toBe(type);
      expect(code.content).toEqual(expect.objectContaining(sample.content));
      if (STATIC.has(type)) {
        expect(code.metadata.shortToken).toBeNull();
        expect(code.attributes).toEqual({ dynamicUrl: null, scannability: UNIVERSAL });
        expect(await env.LINKS.list()).toBeDefined();
      } else {
        expect(code.metadata.shortToken).toMatch(/^[0-9A-Za-z]{8}$/);
        expect(code.attributes.dynamicUrl).toBe(`https://qr.test/r/${code.metadata.shortToken}`);
      }
      if (HOSTED.has(type)) {
        expect(code.attributes.hostedPageUrl).toBe(`https://qr.test/p/${code.metadata.shortToken}`);
        expect(code.analytics).toEqual({ scans: 0, views: 0, clicks: 0 });
        expect(code.links.at(-1)).toEqual({ rel: "https://twilee.com/rels/page-views", href: `/qr_codes/${code.id}/page-views`, method: "GET" });
      } else {
        // The contact card is a page too (at /p, with its .vcf), without views of its own.
        if (type === "vcard") expect(code.attributes.hostedPageUrl).toBe(`https://qr.test/p/${code.metadata.shortToken}`);
        else expect(code.attributes).not.toHaveProperty("hostedPageUrl");
        expect(code.analytics).toEqual(STATIC.has(type) ? { scans: 0 } : { scans: 0, clicks: 0 });
        expect(code.links).toHaveLength(4);
      }
      expect((await call("GET", `/qr_codes/${code.id}`, { key: org.readKey })).json).toEqual(code);

      const replaced = await call("PUT", `/qr_codes/${code.id}`, { key: org.writeKey, body: { name: "Renamed", type, content: sample.content, appearance: { dotsOptionsColor: "#112233" } } });
      expect(replaced.status, replaced.text).toBe(200);
      expect(replaced.json.name).toBe("Renamed");
      expect(replaced.json.appearance.dotsOptionsColor).toBe("#112233");
      expect(replaced.json.metadata.shortToken).toBe(code.metadata.shortToken);
      expect(replaced.json.metadata.createdAt).toBe(code.metadata.createdAt);
      expect(replaced.headers.get("etag")).toBe('"v2"');

      const deleted = await call("DELETE", `/qr_codes/${code.id}`, { key: org.writeKey });
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe("");
      const gone = await call("GET", `/qr_codes/${code.id}`, { key: org.readKey });
      expect(gone.status).toBe(400);
      expect(gone.json.detail).toBe("QR code not found");
    });
});

describe("QR code resource: validation", () => {
  async function violations(body: unknown) {
    const org = await seedOrg();
    const res = await create(org.writeKey, body);
    expect(res.status, res.text).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(res.json).toMatchObject({ "@context": "/contexts/Error", "@type": "Error", title: "An error occurred", status: 400, type: "/errors/400" });
    const list = res.json.violations as { propertyPath: string; message: string }[];
    expect(res.json.detail).toBe(list.map((v) => (v.propertyPath ? `${v.propertyPath}: ${v.message}` : v.message)).join("\n"));
    return Object.fromEntries(list.map((v) => [v.propertyPath, v.message]));
  }

  it("reports one violation per field, in the contract's words", async () => {
    const v = await violations({ name: "", type: "url", content: { url: "https://example.com" }, appearance: { margin: -1, shape: "hexagon", qrOptionsTypeNumber: 41, imageOptionsImageSize: 1.5, dotsOptionsColor: "red", qrOptionsErrorCorrectionLevel: "X" } });
    expect(v).toEqual({
      name: "must not be empty",
      "appearance.margin": "must be 0 or more",
      "appearance.shape": "must be one of: square, circle",
      "appearance.qrOptionsTypeNumber": "must be 40 or less",
      "appearance.imageOptionsImageSize": "must be 1 or less",
      "appearance.dotsOptionsColor": "must be a 6-character hex colour such as #123abc",
      "appearance.qrOptionsErrorCorrectionLevel": "must be one of: L, M, Q, H",
    });
  });

  it("checks name length, type enum and the content object", async () => {
    expect(await violations({ name: "x".repeat(256), content: { url: "https://a.example" } })).toEqual({ name: "must be at most 255 characters long" });
    expect(await violations({ name: "n", type: "pdf", content: {} })).toEqual({ type: "must be one of: url, text, email, call, sms, geo, wifi, vcard, file, links, audio, event" });
    expect(await violations({ name: "n", type: "url" })).toEqual({ content: "is required" });
    expect(await violations("[]")).toEqual({ "": "The request body must be a JSON object" });
  });

  it("requires each type's fields", async () => {
    expect(await violations({ name: "n", type: "url", content: {} })).toEqual({ "content.url": "is required" });
    expect(await violations({ name: "n", type: "text", content: { text: "" } })).toEqual({ "content.text": "must not be empty" });
    expect(await violations({ name: "n", type: "email", content: { address: "not-an-email" } })).toEqual({ "content.address": "must be an email address" });
    expect(await violations({ name: "n", type: "call", content: { phoneNumber: "call me" } })).toEqual({ "content.phoneNumber": "must be a phone number of 3 to 15 digits, optionally starting with +" });
    expect(await violations({ name: "n", type: "sms", content: { phoneNumber: "+15550100" } })).toEqual({ "content.message": "is required" });
    expect(await violations({ name: "n", type: "geo", content: { latitude: 91, longitude: -181 } })).toEqual({ "content.latitude": "must be 90 or less", "content.longitude": "must be -180 or more" });
    expect(await violations({ name: "n", type: "wifi", content: { ssid: "Home", encryption: "WPA" } })).toEqual({ "content.password": "is required for WPA networks" });
    expect(await violations({ name: "n", type: "vcard", content: { jobTitle: "CEO" } })).toEqual({ "content.firstName": "at least one of firstName, lastName or organisation is required" });
    expect(await violations({ name: "n", type: "file", content: { fileName: "report.pdf" } })).toEqual({ "content.fileName": "must be the id of a file uploaded with POST /files" });
    expect(await violations({ name: "n", type: "links", content: { links: [] } })).toEqual({ "content.links": "must have at least 1 item" });
    expect(await violations({ name: "n", type: "links", content: { links: Array.from({ length: 51 }, (_, i) => ({ url: `https://e.example/${i}`, name: `${i}` })) } })).toEqual({ "content.links": "must have at most 50 items" });
    expect(await violations({ name: "n", type: "event", content: { name: "E", startDate: "2026-12-10T18:00:00+00:00", endDate: "2026-12-10T17:00:00+00:00" } })).toEqual({ "content.endDate": "must be after startDate" });
    expect(await violations({ name: "n", type: "event", content: { name: "E", startDate: "tomorrow", endDate: "2026-12-10T17:00:00Z" } })).toEqual({ "content.startDate": "must be an ISO 8601 date-time such as 2026-05-10T18:00:00+00:00" });
  });

  it("refuses every URL a visitor could be sent to unless it is http(s)", async () => {
    for (const url of ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "file:///etc/passwd", "//example.com", "https:/example.com", " https://example.com"]) {
      expect(await violations({ name: "n", type: "url", content: { url } })).toEqual({ "content.url": "must be an absolute http:// or https:// URL" });
      expect(await violations({ name: "n", type: "links", content: { links: [{ url, name: "x" }] } })).toEqual({ "content.links.0.url": "must be an absolute http:// or https:// URL" });
      expect(await violations({ name: "n", type: "event", content: { name: "E", startDate: "2026-12-10T18:00:00Z", endDate: "2026-12-10T19:00:00Z", publicFilePath: url } })).toEqual({
        "content.publicFilePath": "must be the id of an uploaded file or an absolute http(s) URL",
      });
    }
  });

  it("accepts upper-case schemes (RFC 3986)", async () => {
    const org = await seedOrg();
    const res = await create(org.writeKey, { name: "n", content: { url: "HTTPS://EXAMPLE.COM/ABC" } });
    expect(res.status).toBe(201);
    expect(res.json.content.url).toBe("HTTPS://EXAMPLE.COM/ABC");
  });

  it("refuses designs that could never be drawn", async () => {
    expect(await violations({ name: "n", content: { url: "https://example.com" }, appearance: { dotsOptionsColor: "#fefefe" } })).toHaveProperty("appearance.dotsOptionsColor");
    expect(await violations({ name: "n", content: { url: "https://example.com" }, appearance: { qrOptionsMode: "Numeric" } })).toHaveProperty("appearance.qrOptionsMode");
    expect(await violations({ name: "n", content: { url: "https://example.com" }, appearance: { qrOptionsTypeNumber: 1 } })).toHaveProperty("appearance.qrOptionsTypeNumber");
    expect(await violations({ name: "n", content: { url: "https://example.com" }, appearance: { predefinedImage: "no-such-logo" } })).toHaveProperty("appearance.predefinedImage");
    expect(await violations({ name: "n", content: { url: "https://example.com" }, appearance: { dotsOptionsGradientType: "linear" } })).toEqual({ "appearance.dotsOptionsGradientColorStops": "is required when a gradient type is set" });
    expect(await violations({ name: "n", content: { url: "https://example.com" }, appearance: { dotsOptionsGradientType: "linear", dotsOptionsGradientColorStops: [{ offset: 2, color: "#000000" }, { offset: 0, color: "#111111" }] } })).toEqual({
      "appearance.dotsOptionsGradientColorStops.0.offset": "must be 1 or less",
    });
  });

  it("answers malformed JSON and oversize bodies with problem+json", async () => {
    const org = await seedOrg();
    const malformed = await create(org.writeKey, "{not json");
    expect(malformed.status).toBe(400);
    expect(malformed.json.violations).toEqual([{ propertyPath: "", message: "The request body must be valid JSON" }]);
    const big = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 100; i++) controller.enqueue(new TextEncoder().encode("x".repeat(1024)));
        controller.close();
      },
    });
    const tooLarge = await call("POST", "/qr_codes", { key: org.writeKey, body: big });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json).toMatchObject({ "@type": "Error", status: 413, type: "/errors/413" });
  });
});

describe("QR code resource: authentication and isolation", () => {
  it("401 for a missing, malformed, unknown, revoked or expired key", async () => {
    const org = await seedOrg();
    const badHeaders: Record<string, string>[] = [{}, { Authorization: "Basic abc" }, { Authorization: "Bearer" }, { Authorization: "Bearer zbk_unknown" }, { Authorization: `Bearer ${org.writeKey.slice(0, -1)}x` }];
    for (const headers of badHeaders) {
      const res = await call("GET", "/qr_codes", { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.json).toEqual({ "@context": "/contexts/Error", "@type": "Error", title: "An error occurred", detail: expect.stringMatching(/Authentication required|Malformed Authorization|Invalid, revoked or expired/), status: 401, type: "/errors/401" });
    }
    const revoked = await org.issueKey({ role: "read-write", actions: ["qr:ReadQrCode"] });
    await revokeKey(revoked.id);
    expect((await call("GET", "/qr_codes", { key: revoked.secret })).status).toBe(401);
    // Expiry on a clock the test sets (the Worker runs in this isolate): valid up to the last
    // millisecond before expiresAt, refused from it on, however slow the machine is.
    const expiresAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000).toISOString();
    const soon = await org.issueKey({ role: "read-write", actions: ["qr:ReadQrCode"], expiresAt });
    try {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Date.parse(expiresAt) - 1);
      expect((await call("GET", "/qr_codes", { key: soon.secret })).status).toBe(200);
      vi.setSystemTime(Date.parse(expiresAt));
      expect((await call("GET", "/qr_codes", { key: soon.secret })).status).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });

  it("403 for a read-only key writing and for a key without the action", async () => {
    const org = await seedOrg();
    const body = { name: "n", content: { url: "https://example.com" } };
    const readOnly = await create(org.readKey, body);
    expect(readOnly.status).toBe(403);
    expect(readOnly.json).toMatchObject({ "@type": "Error", status: 403, type: "/errors/403" });
    const noAction = await org.issueKey({ role: "read-write", actions: ["cams:CreatePhoneMessageQrdl"] });
    expect((await call("GET", "/qr_codes", { key: noAction.secret })).status).toBe(403);
    const readOnlyAction = await org.issueKey({ role: "read-write", actions: ["qr:ReadQrCode"] });
    expect((await create(readOnlyAction.secret, body)).status).toBe(403);
  });

  it("another organization's code is byte-identical to a missing one", async () => {
    const owner = await seedOrg();
    const other = await seedOrg();
    const code = (await create(owner.writeKey, { name: "n", content: { url: "https://example.com" } })).json;
    const missing = "0".repeat(24);
    for (const [method, suffix, body] of [["GET", "", undefined], ["PUT", "", { name: "x", content: { url: "https://x.example" } }], ["DELETE", "", undefined], ["GET", "/schemaorg", undefined], ["POST", "/download", {}]] as const) {
      const foreign = await call(method, `/qr_codes/${code.id}${suffix}`, { key: other.writeKey, body });
      const absent = await call(method, `/qr_codes/${missing}${suffix}`, { key: other.writeKey, body });
      const malformed = await call(method, `/qr_codes/not-an-id${suffix}`, { key: other.writeKey, body });
      expect(foreign.status).toBe(400);
      expect(foreign.text).toBe(absent.text);
      expect(malformed.text).toBe(absent.text);
      expect(JSON.parse(absent.text)).toEqual({ "@context": "/contexts/Error", "@type": "Error", title: "An error occurred", detail: "QR code not found", status: 400, type: "/errors/400" });
    }
    expect((await call("GET", `/qr_codes/${code.id}`, { key: owner.readKey })).status).toBe(200);
    const list = await call("GET", "/qr_codes", { key: other.readKey });
    expect(list.json.totalItems).toBe(0);
  });
});

describe("OpenAPI", () => {
  it("documents every endpoint of the resource family", async () => {
    const res = await call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    const paths = res.json.paths as Record<string, Record<string, unknown>>;
    const expected: Record<string, string[]> = {
      "/qr_codes": ["get", "post"],
      "/qr_codes/{id}": ["get", "put", "delete"],
      "/qr_codes/{id}/download": ["get", "post"],
      "/qr_codes/{id}/schemaorg": ["get"],
      "/files": ["post"],
      "/files/{id}": ["get"],
    };
    for (const [path, methods] of Object.entries(expected)) for (const method of methods) expect(paths[path]?.[method], `${method} ${path}`).toBeDefined();
    expect(res.json.components.securitySchemes.bearerKey).toMatchObject({ type: "http", scheme: "bearer" });
    expect(res.json.components.schemas).toHaveProperty("QrCode");
    expect(res.json.components.schemas).toHaveProperty("Problem");
  });
});
