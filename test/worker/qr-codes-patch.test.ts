import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QR_CODE_TYPES } from "../../src/codes/types";
import { unexpectedErrorCount } from "../../src/http/errors";
import { DEFAULT_APPEARANCE } from "../../src/qr/appearance";
import { wavFixture } from "../support/media-fixtures";
import { call, seedOrg } from "./qr-support";

const MERGE_PATCH = { "Content-Type": "application/merge-patch+json" };

const STYLED = { shape: "circle", dotsOptionsType: "rounded", dotsOptionsColor: "#111111", cornersSquareOptionsType: "extra-rounded", qrOptionsErrorCorrectionLevel: "H" } as const;

async function createCode(key: string, body: Record<string, unknown> = { name: "Launch", type: "url", content: { url: "https://example.com/launch" }, appearance: STYLED }) {
  const res = await call("POST", "/qr_codes", { key, body });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

const patch = (key: string, id: string, body: unknown, headers: Record<string, string> = {}) => call("PATCH", `/qr_codes/${id}`, { key, body, headers: { ...MERGE_PATCH, ...headers } });

/** The violations of a 400 problem+json answer, by property path. */
function violationsOf(res: Awaited<ReturnType<typeof call>>): Record<string, string> {
  expect(res.status, res.text).toBe(400);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const list = res.json.violations as { propertyPath: string; message: string }[];
  expect(res.json.detail).toBe(list.map((v) => (v.propertyPath ? `${v.propertyPath}: ${v.message}` : v.message)).join("\n"));
  return Object.fromEntries(list.map((v) => [v.propertyPath, v.message]));
}

describe("PATCH /qr_codes/{id}: a JSON merge patch (RFC 7396)", () => {
  it("renaming a code keeps its design, content and short link", async () => {
    const org = await seedOrg();
    const code = await createCode(org.writeKey);
    const res = await patch(org.writeKey, code.id, { name: "Launch (spring)" });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/ld\+json/);
    expect(res.headers.get("etag")).toBe('"v2"');
    expect(res.json).toEqual({ ...code, name: "Launch (spring)", metadata: { ...code.metadata, updatedAt: res.json.metadata.updatedAt } });
    expect(res.json.appearance).toEqual({ ...DEFAULT_APPEARANCE, ...STYLED });
    expect((await call("GET", `/qr_codes/${code.id}`, { key: org.readKey })).json).toEqual(res.json);
  });

  it("merges nested objects field by field; null removes a field, and a field with a default gets it back", async () => {
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { name: "Mail", type: "email", content: { address: "sales@example.com", subject: "Hello", message: "Tell me more" }, appearance: STYLED });
    const res = await patch(org.writeKey, code.id, { content: { subject: null, message: "Tell me everything" }, appearance: { dotsOptionsColor: null, margin: 4 } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.content).toEqual({ address: "sales@example.com", message: "Tell me everything" });
    expect(res.json.appearance).toEqual({ ...DEFAULT_APPEARANCE, ...STYLED, dotsOptionsColor: DEFAULT_APPEARANCE.dotsOptionsColor, margin: 4 });
    // Limits: set by a patch on a code without any, removed by null.
    const url = await createCode(org.writeKey);
    const limited = await patch(org.writeKey, url.id, { limits: { maxScans: 5 } });
    expect(limited.json.limits).toEqual({ validFrom: null, validUntil: null, maxScans: 5, fallbackUrl: null, fallbackWhenBroken: false });
    const unlimited = await patch(org.writeKey, url.id, { limits: null });
    expect(unlimited.json.limits).toEqual({ validFrom: null, validUntil: null, maxScans: null, fallbackUrl: null, fallbackWhenBroken: false });
  });

  it("a new type takes a content of its own: the old fields are removed with null, or refused by name", async () => {
    const org = await seedOrg();
    const code = await createCode(org.writeKey);
    expect(violationsOf(await patch(org.writeKey, code.id, { type: "text", content: { text: "Hello" } }))).toEqual({ "content.url": "unknown field" });
    const res = await patch(org.writeKey, code.id, { type: "text", content: { url: null, text: "Hello" } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.type).toBe("text");
    expect(res.json.content).toEqual({ text: "Hello" });
    expect(res.json.metadata.shortToken).toBe(code.metadata.shortToken);
    expect(res.json.attributes.hostedPageUrl).toBe(`https://qr.test/p/${code.metadata.shortToken}`);
  });

  it("the patched code is validated as a PUT body: every violation at once, in the same words", async () => {
    const org = await seedOrg();
    const code = await createCode(org.writeKey);
    const res = await patch(org.writeKey, code.id, { name: "", content: { url: "javascript:alert(1)" }, appearance: { margin: -1, dotsOptionType: "dots" }, limits: { maxScans: 0 } });
    expect(violationsOf(res)).toEqual({
      name: "must not be empty",
      "content.url": "must be an absolute http:// or https:// URL",
      "appearance.margin": "must be 0 or more",
      "appearance.dotsOptionType": "unknown field; did you mean dotsOptionsType?",
      "limits.maxScans": "must be 1 or more",
    });
    // A PUT of the same result says the same.
    const put = await call("PUT", `/qr_codes/${code.id}`, { key: org.writeKey, body: { name: "", type: "url", content: { url: "javascript:alert(1)" }, appearance: { ...STYLED, margin: -1, dotsOptionType: "dots" }, limits: { maxScans: 0 } } });
    expect(violationsOf(put)).toEqual(violationsOf(res));
    expect(violationsOf(await patch(org.writeKey, code.id, { name: null }))).toEqual({ name: "is required" });
    expect(violationsOf(await patch(org.writeKey, code.id, "[1]"))).toEqual({ "": "The request body must be a JSON object" });
    expect(violationsOf(await patch(org.writeKey, code.id, "{not json"))).toEqual({ "": "The request body must be valid JSON" });
    // Nothing was saved.
    expect((await call("GET", `/qr_codes/${code.id}`, { key: org.readKey })).json).toEqual(code);
  });

  it("If-Match: the current tag or * applies the patch, another version is a 412", async () => {
    const org = await seedOrg();
    const code = await createCode(org.writeKey);
    expect((await patch(org.writeKey, code.id, { name: "v2" }, { "If-Match": '"v1"' })).status).toBe(200);
    const stale = await patch(org.writeKey, code.id, { name: "v3" }, { "If-Match": '"v1"' });
    expect(stale.status).toBe(412);
    expect(stale.json).toMatchObject({ "@type": "Error", status: 412, type: "/errors/412" });
    // A stale patch is refused before its result is checked.
    expect((await patch(org.writeKey, code.id, { name: "" }, { "If-Match": '"v1"' })).status).toBe(412);
    expect((await patch(org.writeKey, code.id, { name: "v3" }, { "If-Match": "*" })).status).toBe(200);
    expect((await call("GET", `/qr_codes/${code.id}`, { key: org.readKey })).json.name).toBe("v3");
  });

  it("takes application/merge-patch+json only: anything else is a 415 naming it in Accept-Patch", async () => {
    const org = await seedOrg();
    const code = await createCode(org.writeKey);
    for (const headers of [{ "Content-Type": "application/json" }, { "Content-Type": "text/plain" }]) {
      const res = await call("PATCH", `/qr_codes/${code.id}`, { key: org.writeKey, body: { name: "x" }, headers });
      expect(res.status).toBe(415);
      expect(res.headers.get("accept-patch")).toBe("application/merge-patch+json");
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(res.json).toMatchObject({ "@type": "Error", status: 415, type: "/errors/415", detail: expect.stringContaining("application/merge-patch+json") });
    }
    const bare = await exports.default.fetch(new Request(`https://qr.test/qr_codes/${code.id}`, { method: "PATCH", headers: { Authorization: `Bearer ${org.writeKey}` }, body: '{"name":"x"}' }));
    expect(bare.status).toBe(415);
    expect((await call("GET", `/qr_codes/${code.id}`, { key: org.readKey })).json.name).toBe("Launch");
  });

  it("answers as the rest of the resource: not found, read-only keys, another organization's code", async () => {
    const owner = await seedOrg();
    const other = await seedOrg();
    const code = await createCode(owner.writeKey);
    const missing = await patch(other.writeKey, "0".repeat(24), { name: "x" });
    expect(missing.json).toEqual({ "@context": "/contexts/Error", "@type": "Error", title: "An error occurred", detail: "QR code not found", status: 400, type: "/errors/400" });
    expect((await patch(other.writeKey, code.id, { name: "x" })).text).toBe(missing.text);
    expect((await patch(other.writeKey, "not-an-id", { name: "x" })).text).toBe(missing.text);
    expect((await patch(owner.readKey, code.id, { name: "x" })).status).toBe(403);
  });
});

describe("unknown fields inside content and appearance are refused, naming the nearest known one", () => {
  it("with and without a suggestion, beside every other violation; unknown keys of the body itself stay ignored", async () => {
    const org = await seedOrg();
    const res = await call("POST", "/qr_codes", {
      key: org.writeKey,
      body: {
        name: "",
        type: "text",
        content: { text: "Hello", hostedPageBackgroundColour: "#ffffff", tracking: true },
        appearance: { dotsOptionType: "rounded", sparkles: true, margin: -1 },
        colour: "red",
      },
    });
    expect(violationsOf(res)).toEqual({
      name: "must not be empty",
      "content.hostedPageBackgroundColour": "unknown field; did you mean hostedPageBackgroundColor?",
      "content.tracking": "unknown field",
      "appearance.dotsOptionType": "unknown field; did you mean dotsOptionsType?",
      "appearance.sparkles": "unknown field",
      "appearance.margin": "must be 0 or more",
    });
    const ignored = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "n", content: { url: "https://example.com" }, colour: "red", id: "x", metadata: {} } });
    expect(ignored.status, ignored.text).toBe(201);
    // Case is not a different field: it is the one that was meant.
    expect(violationsOf(await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "n", content: { URL: "https://example.com" } } }))).toEqual({
      "content.url": "is required",
      "content.URL": "unknown field; did you mean url?",
    });
  });

  it("what a read adds to the content is accepted back: GET then PUT of an audio code is a 200 that changes nothing", async () => {
    const org = await seedOrg();
    const form = new FormData();
    form.append("purpose", "audio");
    form.append("file", new File([wavFixture()], "jingle.wav"));
    const uploaded = await exports.default.fetch(new Request("https://qr.test/files", { method: "POST", headers: { Authorization: `Bearer ${org.writeKey}` }, body: form }));
    expect(uploaded.status).toBe(201);
    const audio = await uploaded.json<{ id: string }>();
    const code = await createCode(org.writeKey, { name: "Jingle", type: "audio", content: { fileName: audio.id, name: "Our jingle" }, appearance: STYLED });
    const read = await call("GET", `/qr_codes/${code.id}`, { key: org.readKey });
    expect(read.json.content.publicAudioFilePath).toBe(`https://qr.test/files/${audio.id}`);
    const put = await call("PUT", `/qr_codes/${code.id}`, { key: org.writeKey, body: read.json, headers: { "If-Match": read.headers.get("etag")! } });
    expect(put.status, put.text).toBe(200);
    expect(put.json).toEqual({ ...read.json, metadata: { ...read.json.metadata, updatedAt: put.json.metadata.updatedAt } });
    // The same through PATCH: the read representation is a valid (if verbose) merge patch.
    expect((await patch(org.writeKey, code.id, read.json)).status).toBe(200);
  });
});

describe("bodies the family reads as JSON", () => {
  it("an empty download body is the defaults, whatever its Content-Type; a body that is not JSON is a 400", async () => {
    const org = await seedOrg();
    const code = await createCode(org.writeKey);
    const url = `https://qr.test/qr_codes/${code.id}/download`;
    const auth = { Authorization: `Bearer ${org.readKey}` };
    // A fetch of an empty body labels it text/plain;charset=UTF-8.
    for (const headers of [auth, { ...auth, "Content-Type": "application/json" }, { ...auth, "Content-Type": "text/plain;charset=UTF-8" }]) {
      const res = await exports.default.fetch(new Request(url, { method: "POST", headers, body: "" }));
      expect(res.status, await res.clone().text()).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/png");
    }
    const form = await exports.default.fetch(new Request(url, { method: "POST", headers: { ...auth, "Content-Type": "application/x-www-form-urlencoded" }, body: "size=600" }));
    expect(form.status).toBe(400);
    expect(await form.json()).toMatchObject({ "@type": "Error", status: 400, detail: "The request body must be valid JSON" });
  });

  it("a JSON body is read whatever its Content-Type says, as this API always did (curl -d sends form-urlencoded)", async () => {
    const org = await seedOrg();
    const body = JSON.stringify({ name: "n", content: { url: "https://example.com" }, appearance: { dotsOptionsType: "rounded" } });
    for (const type of ["application/x-www-form-urlencoded", "text/plain", "application/json; charset=utf-8;", "application/ld+json", "Application/JSON"]) {
      const res = await exports.default.fetch(new Request("https://qr.test/qr_codes", { method: "POST", headers: { Authorization: `Bearer ${org.writeKey}`, "Content-Type": type }, body }));
      expect(res.status, `${type}: ${await res.clone().text()}`).toBe(201);
      expect(((await res.json()) as { appearance: { dotsOptionsType: string } }).appearance.dotsOptionsType).toBe("rounded");
    }
    const untyped = await exports.default.fetch(new Request("https://qr.test/qr_codes", { method: "POST", headers: { Authorization: `Bearer ${org.writeKey}` }, body: new TextEncoder().encode(body) }));
    expect(untyped.status).toBe(201);
  });
});

describe("what is checked first, as this API always answered", () => {
  const NOT_FOUND = { "@context": "/contexts/Error", "@type": "Error", title: "An error occurred", detail: "QR code not found", status: 400, type: "/errors/400" };
  const MISSING = "0123456789abcdef01234567";

  it("PUT and PATCH: a missing, malformed or foreign id is 'QR code not found' whatever the body", async () => {
    const org = await seedOrg();
    const other = await seedOrg();
    const foreign = (await createCode(other.writeKey)).id;
    for (const id of [MISSING, foreign, "xyz"]) {
      const put = await call("PUT", `/qr_codes/${id}`, { key: org.writeKey, body: { name: "", content: {} } });
      expect(put.json, id).toEqual(NOT_FOUND);
      const patched = await exports.default.fetch(
        new Request(`https://qr.test/qr_codes/${id}`, { method: "PATCH", headers: { Authorization: `Bearer ${org.writeKey}`, "Content-Type": "application/merge-patch+json" }, body: '{"name":""}' }),
      );
      expect(await patched.json(), id).toEqual(NOT_FOUND);
    }
  });

  it("scans and page views: the code is looked up before the query is validated", async () => {
    const org = await seedOrg();
    expect((await call("GET", `/qr_codes/${MISSING}/scans?page=0`, { key: org.readKey })).json).toEqual(NOT_FOUND);
    const url = await createCode(org.writeKey);
    expect((await call("GET", `/qr_codes/${url.id}/page-views?page=0`, { key: org.readKey })).json.detail).toMatch(/^Page views exist only for hosted types/);
  });

  it("POST: a malformed Idempotency-Key is reported before the body", async () => {
    const org = await seedOrg();
    const res = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "" }, headers: { "Idempotency-Key": "bad key" } });
    expect(res.json.violations).toEqual([{ propertyPath: "Idempotency-Key", message: "must be 1 to 255 visible ASCII characters" }]);
  });
});

describe("violations in the order this API always reported them", () => {
  it("the body's own fields, then inside the content, then inside the appearance", async () => {
    const org = await seedOrg();
    const res = await call("POST", "/qr_codes", {
      key: org.writeKey,
      body: { name: "", type: "url", content: { url: "ftp://example.com" }, appearance: { margin: -1 }, limits: { maxScans: 0 } },
    });
    expect(res.status).toBe(400);
    const fields = (res.json.violations as { propertyPath: string }[]).map((v) => v.propertyPath);
    expect(fields).toEqual(["name", "limits.maxScans", "content.url", "appearance.margin"]);
  });
});
