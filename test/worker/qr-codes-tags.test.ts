import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { unexpectedErrorCount } from "../../src/http/errors";
import { call, seedOrg } from "./qr-support";

/** Tags on codes: normal form, bounds, PUT and PATCH semantics, ?tag= (AND), the counts, isolation. */

const MERGE = { "Content-Type": "application/merge-patch+json" };
const url = (i: number) => ({ url: `https://example.com/${i}` });

async function create(key: string, name: string, tags?: unknown) {
  const res = await call("POST", "/qr_codes", { key, body: { name, content: url(1), ...(tags === undefined ? {} : { tags }) } });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

const ids = (res: { json: { member: { id: string }[] } }) => res.json.member.map((m) => m.id);

describe("tags on a code", () => {
  it("are normalised (NFC, trimmed, spaces collapsed, lower case), deduplicated and sorted; none by default", async () => {
    const org = await seedOrg();
    const plain = await create(org.writeKey, "plain");
    expect(plain.tags).toEqual([]);
    // "Cafe\u0301" (decomposed) and "café" (composed) are one tag after NFC.
    const code = await create(org.writeKey, "tagged", ["  Table   12 ", "MENU", "menu", "Cafe\u0301", "café", "菜单", "spring_2027-a"]);
    expect(code.tags).toEqual(["café", "menu", "spring_2027-a", "table 12", "菜单"]);
    const read = await call("GET", `/qr_codes/${code.id}`, { key: org.readKey });
    expect(read.json.tags).toEqual(code.tags);
  });

  it("refuses what is not a tag, one violation per tag, and more than 10 distinct", async () => {
    const org = await seedOrg();
    const bad = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "x", content: url(1), tags: ["ok", "  ", "a".repeat(33), "semi;colon", 7] } });
    expect(bad.status).toBe(400);
    const fields = bad.json.violations.map((v: { propertyPath: string }) => v.propertyPath);
    expect(fields).toEqual(["tags.1", "tags.2", "tags.3", "tags.4"]);
    const eleven = Array.from({ length: 11 }, (_, i) => `t${i}`);
    const many = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "x", content: url(1), tags: eleven } });
    expect(many.status).toBe(400);
    expect(many.json.violations).toEqual([expect.objectContaining({ propertyPath: "tags", message: "at most 10 tags" })]);
    // Eleven spellings of ten tags are ten tags.
    const ten = await create(org.writeKey, "ten", [...eleven.slice(0, 10), "T0"]);
    expect(ten.tags).toHaveLength(10);
    expect(ten.tags.includes("t10")).toBe(false);
    const notList = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "x", content: url(1), tags: "menu" } });
    expect(notList.status).toBe(400);
    expect(notList.json.violations[0].propertyPath).toBe("tags");
    // 32 characters is the limit, counted in characters (not UTF-16 units).
    expect((await create(org.writeKey, "long", ["é".repeat(32)])).tags).toEqual(["é".repeat(32)]);
  });

  it("PUT replaces them (left out: none); PATCH replaces the list, null or [] removes it, and leaving it out keeps it", async () => {
    const org = await seedOrg();
    const code = await create(org.writeKey, "c", ["a", "b"]);
    const patched = await call("PATCH", `/qr_codes/${code.id}`, { key: org.writeKey, headers: MERGE, body: { name: "renamed" } });
    expect(patched.json.tags).toEqual(["a", "b"]);
    const replacedList = await call("PATCH", `/qr_codes/${code.id}`, { key: org.writeKey, headers: MERGE, body: { tags: ["C"] } });
    expect(replacedList.json.tags).toEqual(["c"]);
    const cleared = await call("PATCH", `/qr_codes/${code.id}`, { key: org.writeKey, headers: MERGE, body: { tags: null } });
    expect(cleared.json.tags).toEqual([]);
    await call("PATCH", `/qr_codes/${code.id}`, { key: org.writeKey, headers: MERGE, body: { tags: ["x"] } });
    expect((await call("PATCH", `/qr_codes/${code.id}`, { key: org.writeKey, headers: MERGE, body: { tags: [] } })).json.tags).toEqual([]);
    await call("PATCH", `/qr_codes/${code.id}`, { key: org.writeKey, headers: MERGE, body: { tags: ["x"] } });
    const put = await call("PUT", `/qr_codes/${code.id}`, { key: org.writeKey, body: { name: "c", content: url(2) } });
    expect(put.status).toBe(200);
    expect(put.json.tags).toEqual([]);
    // The filter follows every change (the tag rows are rewritten in the code's batch).
    expect(ids(await call("GET", "/qr_codes?tag=x", { key: org.readKey }))).toEqual([]);
    expect((await call("GET", "/qr_codes/tags", { key: org.readKey })).json.totalItems).toBe(0);
  });
});

describe("?tag= on the listing", () => {
  it("one tag filters; several combine with AND; compared in normal form; page links keep them", async () => {
    const org = await seedOrg();
    const a = await create(org.writeKey, "a", ["menu", "table 1"]);
    const b = await create(org.writeKey, "b", ["menu", "table 2"]);
    const c = await create(org.writeKey, "c", ["flyer"]);
    await create(org.writeKey, "d");
    expect(ids(await call("GET", "/qr_codes?tag=menu", { key: org.readKey }))).toEqual([b.id, a.id]);
    expect(ids(await call("GET", "/qr_codes?tag=MENU&tag=Table%20%202", { key: org.readKey }))).toEqual([b.id]);
    expect(ids(await call("GET", "/qr_codes?tag=menu&tag=flyer", { key: org.readKey }))).toEqual([]);
    expect(ids(await call("GET", "/qr_codes?tag=flyer&type=url&search=c", { key: org.readKey }))).toEqual([c.id]);
    const res = await call("GET", "/qr_codes?tag=menu&tag=table%201", { key: org.readKey });
    expect(res.json.totalItems).toBe(1);
    expect(res.json.view["@id"]).toBe("/qr_codes?tag=menu&tag=table+1&page=1");
  });

  it("the filter pages like the listing (31 tagged codes among others)", async () => {
    const org = await seedOrg();
    const tagged: string[] = [];
    for (let i = 0; i < 31; i++) {
      tagged.push((await create(org.writeKey, `t${i}`, ["batch"])).id);
      if (i % 5 === 0) await create(org.writeKey, `u${i}`);
    }
    const one = await call("GET", "/qr_codes?tag=batch", { key: org.readKey });
    expect(one.json.totalItems).toBe(31);
    expect(one.json.view.next).toBe("/qr_codes?tag=batch&page=2");
    const two = await call("GET", one.json.view.next, { key: org.readKey });
    expect([...ids(one), ...ids(two)]).toEqual([...tagged].reverse());
  });

  it("refuses a malformed tag or more than 10 (400, not a 5xx)", async () => {
    const org = await seedOrg();
    const bad = await call("GET", "/qr_codes?tag=%3Dcmd", { key: org.readKey });
    expect(bad.status).toBe(400);
    expect(bad.json.violations[0].propertyPath).toMatch(/^tag/);
    const many = await call("GET", `/qr_codes?${Array.from({ length: 11 }, (_, i) => `tag=t${i}`).join("&")}`, { key: org.readKey });
    expect(many.status).toBe(400);
    expect((await call("GET", "/qr_codes?tag=", { key: org.readKey })).status).toBe(400);
  });
});

describe("GET /qr_codes/tags", () => {
  it("lists the organization's tags in name order with their counts, and no other organization's", async () => {
    const org = await seedOrg();
    const other = await seedOrg();
    await create(org.writeKey, "a", ["menu", "table 1"]);
    await create(org.writeKey, "b", ["menu", "table 2"]);
    const gone = await create(org.writeKey, "c", ["menu", "gone"]);
    await create(other.writeKey, "x", ["menu", "secret"]);
    expect((await call("DELETE", `/qr_codes/${gone.id}`, { key: org.writeKey })).status).toBe(204);
    const res = await call("GET", "/qr_codes/tags", { key: org.readKey });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("application/ld+json");
    expect(res.json).toEqual({
      "@id": "/qr_codes/tags",
      "@type": "Collection",
      totalItems: 3,
      member: [
        { tag: "menu", codes: 2 },
        { tag: "table 1", codes: 1 },
        { tag: "table 2", codes: 1 },
      ],
      view: { "@id": "/qr_codes/tags?page=1", "@type": "PartialCollectionView", first: "/qr_codes/tags?page=1", last: "/qr_codes/tags?page=1" },
    });
    // Another organization's tagged codes never show through the filter either.
    expect(ids(await call("GET", "/qr_codes?tag=secret", { key: org.readKey }))).toEqual([]);
  });

  it("is routed as the tags listing, not as a code id; /qr_codes/{id} still answers as before", async () => {
    const org = await seedOrg();
    const code = await create(org.writeKey, "a", ["x"]);
    expect((await call("GET", "/qr_codes/tags", { key: org.readKey })).json["@id"]).toBe("/qr_codes/tags");
    expect((await call("GET", `/qr_codes/${code.id}`, { key: org.readKey })).json.id).toBe(code.id);
    // Writing methods on /qr_codes/tags are answered as for any malformed code id.
    const put = await call("PUT", "/qr_codes/tags", { key: org.writeKey, body: { name: "n", content: url(1) } });
    const malformed = await call("PUT", "/qr_codes/zzzz", { key: org.writeKey, body: { name: "n", content: url(1) } });
    expect(put.status).toBe(malformed.status);
    expect(put.json.detail).toBe(malformed.json.detail);
  });

  it("needs a key that may read codes", async () => {
    const org = await seedOrg();
    expect((await call("GET", "/qr_codes/tags")).status).toBe(401);
    const noRead = await org.issueKey({ role: "read-only", actions: ["qr:WriteQrCode"] });
    expect((await call("GET", "/qr_codes/tags", { key: noRead.secret })).status).toBe(403);
  });
});

describe("tags fuzz", () => {
  it("any tags value in a create or a patch answers 2xx or 400, never a 5xx", async () => {
    const org = await seedOrg();
    const code = await create(org.writeKey, "fuzz");
    const before = unexpectedErrorCount();
    const tag = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 40 }), fc.constantFrom("", " ", "\u0000", "\ud800", "=1+1", "a".repeat(33)), fc.integer(), fc.constant(null));
    const tags = fc.oneof(fc.array(tag, { maxLength: 14 }), fc.constant(null), fc.string(), fc.dictionary(fc.string(), fc.string()));
    await fc.assert(
      fc.asyncProperty(tags, fc.boolean(), async (value, asPatch) => {
        const res = asPatch
          ? await call("PATCH", `/qr_codes/${code.id}`, { key: org.writeKey, headers: MERGE, body: { tags: value } })
          : await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "f", content: url(1), tags: value } });
        expect([200, 201, 400]).toContain(res.status);
      }),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ maxLength: 40 }), { maxLength: 12 }), async (values) => {
        const query = values.map((v) => `tag=${encodeURIComponent(v)}`).join("&");
        const res = await call("GET", `/qr_codes?${query}`, { key: org.readKey });
        expect([200, 400]).toContain(res.status);
      }),
      { numRuns: 40 },
    );
    expect(unexpectedErrorCount()).toBe(before);
  });
});
