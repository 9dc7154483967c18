import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, seedOrg } from "./qr-support";

async function createMany(key: string, count: number, make: (i: number) => Record<string, unknown> = (i) => ({ name: `Code ${i}`, content: { url: `https://example.com/${i}` } })) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await call("POST", "/qr_codes", { key, body: make(i) });
    expect(res.status).toBe(201);
    ids.push(res.json.id);
  }
  return ids;
}

describe("QR code collection", () => {
  it("an empty organization: no members, one page", async () => {
    const org = await seedOrg();
    const res = await call("GET", "/qr_codes", { key: org.readKey });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      "@context": "/contexts/QrCode",
      "@id": "/qr_codes",
      "@type": "Collection",
      totalItems: 0,
      member: [],
      view: { "@id": "/qr_codes?page=1", "@type": "PartialCollectionView", first: "/qr_codes?page=1", last: "/qr_codes?page=1" },
    });
  });

  it("exactly 30 fit one page; the 31st makes a second, newest first", async () => {
    const org = await seedOrg();
    const ids = await createMany(org.writeKey, 30);
    const one = await call("GET", "/qr_codes", { key: org.readKey });
    expect(one.json.totalItems).toBe(30);
    expect(one.json.member).toHaveLength(30);
    expect(one.json.member.map((m: { id: string }) => m.id)).toEqual([...ids].reverse());
    expect(one.json.view).not.toHaveProperty("next");
    expect(one.json.view.last).toBe("/qr_codes?page=1");
    const member = one.json.member[0];
    expect(member["@id"]).toBe(`/qr_codes/${member.id}`);
    expect(member["@type"]).toBe("QrCode");
    expect(Object.keys(member).slice(0, 3)).toEqual(["@id", "@type", "id"]);

    const [extra] = await createMany(org.writeKey, 1, () => ({ name: "Newest", content: { url: "https://example.com/new" } }));
    const first = await call("GET", "/qr_codes", { key: org.readKey });
    expect(first.json.totalItems).toBe(31);
    expect(first.json.member[0].id).toBe(extra);
    expect(first.json.view).toEqual({ "@id": "/qr_codes?page=1", "@type": "PartialCollectionView", first: "/qr_codes?page=1", last: "/qr_codes?page=2", next: "/qr_codes?page=2" });
    const second = await call("GET", "/qr_codes?page=2", { key: org.readKey });
    expect(second.json.member.map((m: { id: string }) => m.id)).toEqual([ids[0]]);
    expect(second.json.view).toEqual({ "@id": "/qr_codes?page=2", "@type": "PartialCollectionView", first: "/qr_codes?page=1", last: "/qr_codes?page=2", previous: "/qr_codes?page=1" });
    const past = await call("GET", "/qr_codes?page=9", { key: org.readKey });
    expect(past.status).toBe(200);
    expect(past.json.member).toEqual([]);
    expect(past.json.totalItems).toBe(31);
    expect(past.json.view.previous).toBe("/qr_codes?page=2");
    expect(past.json.view).not.toHaveProperty("next");
  });

  it("filters by type and name, orders either way, and keeps filters in the links", async () => {
    const org = await seedOrg();
    await createMany(org.writeKey, 3, (i) => ({ name: `Poster ${i}`, content: { url: `https://example.com/${i}` } }));
    await createMany(org.writeKey, 2, (i) => ({ name: `Flyer_${i} 100%`, type: "text", content: { text: `t${i}` } }));
    const texts = await call("GET", "/qr_codes?type=text", { key: org.readKey });
    expect(texts.json.totalItems).toBe(2);
    expect(texts.json.member.every((m: { type: string }) => m.type === "text")).toBe(true);
    expect(texts.json.view.first).toBe("/qr_codes?type=text&page=1");
    const search = await call("GET", "/qr_codes?search=poster", { key: org.readKey });
    expect(search.json.totalItems).toBe(3);
    // LIKE wildcards are literal: "_" and "%" match only themselves.
    expect((await call("GET", "/qr_codes?search=Flyer_1", { key: org.readKey })).json.totalItems).toBe(1);
    expect((await call("GET", "/qr_codes?search=%25", { key: org.readKey })).json.totalItems).toBe(2);
    expect((await call("GET", "/qr_codes?search=P_ster", { key: org.readKey })).json.totalItems).toBe(0);
    const asc = await call("GET", "/qr_codes?order%5BcreatedAt%5D=asc", { key: org.readKey });
    const desc = await call("GET", "/qr_codes", { key: org.readKey });
    expect(asc.json.member.map((m: { id: string }) => m.id)).toEqual(desc.json.member.map((m: { id: string }) => m.id).reverse());
    expect(asc.json.view.first).toBe("/qr_codes?order%5BcreatedAt%5D=asc&page=1");
  });

  it("refuses bad query parameters with violations", async () => {
    const org = await seedOrg();
    const res = await call("GET", "/qr_codes?page=0&type=pdf&order%5BcreatedAt%5D=up", { key: org.readKey });
    expect(res.status).toBe(400);
    expect(res.json.violations).toEqual([
      { propertyPath: "page", message: "must be a whole number from 1 to 1000000" },
      { propertyPath: "type", message: "must be one of: url, text, email, call, sms, geo, wifi, vcard, file, links, audio, event" },
      { propertyPath: "order[createdAt]", message: "must be one of: asc, desc" },
    ]);
    for (const page of ["-1", "1.5", "abc", "99999999"]) expect((await call("GET", `/qr_codes?page=${page}`, { key: org.readKey })).status).toBe(400);
  });

  it("counts rows through the index (no analytics rows are scanned)", async () => {
    const org = await seedOrg();
    await createMany(org.writeKey, 2);
    const plan = await env.DB.prepare("EXPLAIN QUERY PLAN SELECT * FROM qr_codes WHERE org_id = ? ORDER BY id DESC LIMIT 30 OFFSET 0").bind(org.orgId).all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join(" ")).toMatch(/USING INDEX qr_codes_by_org/);
  });
});
