import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { unexpectedErrorCount } from "../../src/http/errors";
import { expectScans } from "../support/decode";
import { RING_LOGO_96 } from "../support/png-fixtures";
import { call, seedOrg } from "./qr-support";

/**
 * POST /qr_codes/bulk's updates and deletes written in D1 batches (codes/bulk.ts: writeChanges),
 * through HTTP in workerd: what 1,000 of them cost in D1 round trips, and that a change a
 * concurrent write beats is still answered in its place, as the single PATCH or DELETE would be.
 */

const create = (name: string) => ({ action: "create", code: { name, type: "url", content: { url: "https://example.com/" + encodeURIComponent(name) } } });
const bulk = (key: string, operations: unknown[]) => call("POST", "/qr_codes/bulk", { key, body: { operations }, settle: true });

const statementPrototype = () => Object.getPrototypeOf(env.DB.prepare("SELECT 1")) as D1PreparedStatement;
const databasePrototype = () => Object.getPrototypeOf(env.DB) as D1Database;

/**
 * D1 round trips made while `run` runs, the Worker's included (it shares these bindings): every
 * batch() and every statement run on its own. A batch is one query against the 1,000 an
 * invocation may make, whatever its statements.
 */
async function countD1RoundTrips<T>(run: () => Promise<T>): Promise<{ result: T; roundTrips: number }> {
  const alone = (["first", "all", "run", "raw"] as const).map((method) => vi.spyOn(statementPrototype(), method));
  const batch = vi.spyOn(databasePrototype(), "batch");
  try {
    const result = await run();
    return { result, roundTrips: batch.mock.calls.length + alone.reduce((sum, spy) => sum + spy.mock.calls.length, 0) };
  } finally {
    for (const spy of [...alone, batch]) spy.mockRestore();
  }
}

/** A write another request makes while the bulk call runs, straight in D1, as a concurrent PATCH's batch would land. */
const bumpVersion = (id: string, url: string) =>
  env.DB.prepare("UPDATE qr_codes SET content = ?2, version = version + 1 WHERE id = ?1").bind(id, JSON.stringify({ url })).run();

const redirectOf = async (token: string) =>
  exports.default.fetch(new Request(`https://qr.test/r/${token}`, { redirect: "manual", headers: { "User-Agent": "curl/8" } }));

/** At most this many D1 round trips for 1,000 updates or deletes (about 40 measured); one by one they took about 4 each. */
const ROUND_TRIPS_FOR_1000 = 100;

describe("bulk updates and deletes, batched", () => {
  it("updates 1,000 codes and then deletes them, each call within a bounded number of D1 round trips", async () => {
    const org = await seedOrg();
    const made = await bulk(org.writeKey, Array.from({ length: 1000 }, (_, i) => create(`Table ${i + 1}`)));
    expect(made.json.succeeded).toBe(1000);
    const codes: { id: string; shortToken: string }[] = made.json.results;

    const updates = codes.map(({ id }, i) => ({ action: "update", id, ifMatch: '"v1"', patch: { name: `Table ${i + 1} (terrace)`, content: { url: `https://example.com/terrace/${i + 1}` } } }));
    const updated = await countD1RoundTrips(() => bulk(org.writeKey, updates));
    expect(updated.result.status, updated.result.text.slice(0, 500)).toBe(200);
    expect(updated.result.json).toMatchObject({ succeeded: 1000, failed: 0 });
    expect(updated.result.json.results.map((r: any) => [r.index, r.status, r.id, r.etag])).toEqual(codes.map(({ id }, i) => [i, 200, id, '"v2"']));
    expect(updated.roundTrips).toBeLessThanOrEqual(ROUND_TRIPS_FOR_1000);
    // Every KV write acknowledged: no sync marker left for the cron.
    const pending = () =>
      env.DB.prepare("SELECT COUNT(*) AS n FROM redirect_sync WHERE token IN (SELECT token FROM short_tokens WHERE code_id IN (SELECT value FROM json_each(?1)))")
        .bind(JSON.stringify(codes.map(({ id }) => id)))
        .first<number>("n");
    expect(await pending()).toBe(0);
    // Spot checks across the batches (100 changes each): the code as patched, its link going to the new URL.
    for (const i of [0, 99, 100, 555, 999]) {
      const got = await call("GET", `/qr_codes/${codes[i]!.id}`, { key: org.readKey });
      expect(got.json).toMatchObject({ name: `Table ${i + 1} (terrace)`, content: { url: `https://example.com/terrace/${i + 1}` } });
      expect(got.headers.get("ETag")).toBe('"v2"');
      const redirect = await redirectOf(codes[i]!.shortToken);
      expect(redirect.headers.get("Location")).toBe(`https://example.com/terrace/${i + 1}`);
      expect(JSON.parse((await env.LINKS.get(codes[i]!.shortToken))!)).toMatchObject({ version: 2 });
    }

    const deletes = codes.map(({ id }) => ({ action: "delete", id, ifMatch: '"v2"' }));
    const deleted = await countD1RoundTrips(() => bulk(org.writeKey, deletes));
    expect(deleted.result.status).toBe(200);
    expect(deleted.result.json).toMatchObject({ succeeded: 1000, failed: 0 });
    expect(deleted.result.json.results.map((r: any) => [r.index, r.status, r.id])).toEqual(codes.map(({ id }, i) => [i, 204, id]));
    expect(deleted.roundTrips).toBeLessThanOrEqual(ROUND_TRIPS_FOR_1000);
    expect((await call("GET", "/qr_codes", { key: org.readKey })).json.totalItems).toBe(0);
    expect(await pending()).toBe(0);
    for (const i of [0, 555, 999]) {
      expect(await env.LINKS.get(codes[i]!.shortToken)).toBeNull();
      expect((await redirectOf(codes[i]!.shortToken)).status).toBe(404);
    }
    // Their short tokens stay reserved: never issued again.
    const reserved = await env.DB.prepare("SELECT COUNT(*) AS n FROM short_tokens WHERE token IN (SELECT value FROM json_each(?1))")
      .bind(JSON.stringify(codes.map(({ shortToken }) => shortToken)))
      .first<number>("n");
    expect(reserved).toBe(1000);
  });

  it("answers a change a concurrent write beat in its place: refused with ifMatch, applied to the newer version without", async () => {
    const org = await seedOrg();
    const made = await bulk(org.writeKey, ["Kept", "Pinned", "Gone", "Redone", "Quiet"].map(create));
    const [kept, pinned, gone, redone, quiet] = made.json.results.map((r: any) => r.id as string);
    // Between the call's reads and its first write batch, another request changes four of the codes.
    const batch = databasePrototype().batch;
    const spy = vi.spyOn(databasePrototype(), "batch").mockImplementationOnce(async function (this: D1Database, statements) {
      await bumpVersion(kept!, "https://example.com/kept-elsewhere");
      await bumpVersion(pinned!, "https://example.com/pinned-elsewhere");
      await env.DB.prepare("DELETE FROM qr_codes WHERE id = ?1").bind(gone).run();
      await bumpVersion(redone!, "https://example.com/redone-elsewhere");
      return batch.call(this, statements) as never;
    });
    let res;
    try {
      res = await bulk(org.writeKey, [
        { action: "update", id: kept, patch: { name: "Kept (renamed)" } },
        { action: "update", id: pinned, ifMatch: '"v1"', patch: { name: "never" } },
        { action: "delete", id: gone, ifMatch: '"v1"' },
        { action: "delete", id: redone },
        { action: "update", id: quiet, ifMatch: '"v1"', patch: { name: "Quiet (renamed)" } },
      ]);
    } finally {
      spy.mockRestore();
    }
    expect(res.status).toBe(200);
    const [keptResult, pinnedResult, goneResult, redoneResult, quietResult] = res.json.results;
    // Applied again on the concurrent version: the patch's name over the other request's URL.
    expect(keptResult).toMatchObject({ index: 0, status: 200, id: kept, etag: '"v3"' });
    const keptNow = await call("GET", `/qr_codes/${kept}`, { key: org.readKey });
    expect(keptNow.json).toMatchObject({ name: "Kept (renamed)", content: { url: "https://example.com/kept-elsewhere" } });
    // Pinned to the version it read: refused as a single PATCH with If-Match that lost its race is.
    expect(pinnedResult).toMatchObject({ index: 1, status: 412, id: pinned });
    expect(pinnedResult.problem.detail).toMatch(/changed by another request/);
    expect((await call("GET", `/qr_codes/${pinned}`, { key: org.readKey })).json.name).toBe("Pinned");
    const missing = (await call("DELETE", `/qr_codes/${gone}`, { key: org.writeKey })).json;
    expect(goneResult).toMatchObject({ index: 2, id: gone, problem: missing });
    expect(redoneResult).toMatchObject({ index: 3, status: 204, id: redone });
    expect((await call("GET", `/qr_codes/${redone}`, { key: org.readKey })).json.detail).toBe("QR code not found");
    // The one nobody else touched was written in the batch.
    expect(quietResult).toMatchObject({ index: 4, status: 200, id: quiet, etag: '"v2"' });
    expect(res.json).toMatchObject({ succeeded: 3, failed: 2 });
  });

  it("applies repeated changes of one code in request order, each on the version the one before wrote", async () => {
    const org = await seedOrg();
    const made = await bulk(org.writeKey, [create("Twice"), create("Other")]);
    const [twice, other] = made.json.results.map((r: any) => r.id as string);
    const res = await bulk(org.writeKey, [
      { action: "update", id: twice, ifMatch: '"v1"', patch: { name: "one" } },
      { action: "update", id: other, patch: { name: "Other (renamed)" } },
      { action: "update", id: twice, ifMatch: '"v2"', patch: { content: { url: "https://example.com/two" } } },
      { action: "update", id: twice, ifMatch: '"v2"', patch: { name: "stale" } },
      { action: "update", id: twice, ifMatch: '"v3"', patch: { name: "three" } },
      { action: "delete", id: twice, ifMatch: '"v4"' },
      { action: "update", id: twice, patch: { name: "after the delete" } },
    ]);
    expect(res.json.results.map((r: any) => [r.status, r.etag ?? null])).toEqual([
      [200, '"v2"'],
      [200, '"v2"'],
      [200, '"v3"'],
      [412, null],
      [200, '"v4"'],
      [204, null],
      [400, null],
    ]);
    expect(res.json.results[6].problem.detail).toBe("QR code not found");
    expect((await call("GET", `/qr_codes/${twice}`, { key: org.readKey })).json.detail).toBe("QR code not found");
  });

  it("keeps file references as the single writes do: a logo added by a bulk update is referenced, released by the next, gone with the code", async () => {
    const org = await seedOrg();
    const form = new FormData();
    form.append("purpose", "logo");
    form.append("file", new File([RING_LOGO_96], "logo.png"));
    const uploaded = await exports.default.fetch(new Request("https://qr.test/files", { method: "POST", headers: { Authorization: `Bearer ${org.writeKey}` }, body: form }));
    expect(uploaded.status).toBe(201);
    const logo = await uploaded.json<{ id: string }>();
    const made = await bulk(org.writeKey, [create("Logo")]);
    const { id, dynamicUrl } = made.json.results[0];
    const references = () => env.DB.prepare("SELECT file_id FROM file_references WHERE code_id = ?1").bind(id).all<{ file_id: string }>().then((r) => r.results.map((row) => row.file_id));

    const withLogo = await bulk(org.writeKey, [{ action: "update", id, patch: { appearance: { uploadedImage: logo.id, qrOptionsErrorCorrectionLevel: "H" } } }]);
    expect(withLogo.json.results[0]).toMatchObject({ status: 200, etag: '"v2"' });
    expect(await references()).toEqual([logo.id]);
    // The updated design draws with its logo and still scans to the code's short link.
    const png = await call("POST", `/qr_codes/${id}/download`, { key: org.readKey, body: { format: "png", size: 600, margin: 4 } });
    expect(png.status).toBe(200);
    await expectScans(png.bytes, dynamicUrl);

    const withoutLogo = await bulk(org.writeKey, [{ action: "update", id, patch: { appearance: { uploadedImage: null } } }]);
    expect(withoutLogo.json.results[0]).toMatchObject({ status: 200, etag: '"v3"' });
    expect(await references()).toEqual([]);
    await bulk(org.writeKey, [{ action: "update", id, patch: { appearance: { uploadedImage: logo.id } } }]);
    expect(await references()).toEqual([logo.id]);
    expect((await bulk(org.writeKey, [{ action: "delete", id }])).json.results[0].status).toBe(204);
    expect(await references()).toEqual([]);
  });

  it("never answers a fuzzed mix of updates and deletes of real codes with a 5xx, and answers each in its place", async () => {
    const org = await seedOrg();
    const before = unexpectedErrorCount();
    const anyValue = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom("https://example.com/x", "#000000", "#ffffff", "url", "text", "vcard"));
    const patch = fc.oneof(
      anyValue,
      fc.record(
        {
          name: anyValue,
          type: anyValue,
          content: fc.oneof(anyValue, fc.dictionary(fc.constantFrom("url", "text", "firstName"), anyValue, { maxKeys: 2 })),
          appearance: fc.oneof(anyValue, fc.dictionary(fc.constantFrom("margin", "dotsOptionsColor", "backgroundOptionsColor", "uploadedImage", "unknown"), anyValue, { maxKeys: 2 })),
          tags: fc.oneof(anyValue, fc.array(anyValue, { maxLength: 3 })),
          limits: fc.oneof(anyValue, fc.dictionary(fc.constantFrom("maxScans", "validFrom"), anyValue, { maxKeys: 1 })),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom("update", "delete"), fc.nat(2), fc.option(fc.constantFrom('"v1"', '"v2"', '"v9"', "*", "nonsense"), { nil: undefined }), patch), { minLength: 1, maxLength: 8 }), async (ops) => {
        const made = await bulk(org.writeKey, [create("F0"), create("F1"), create("F2")]);
        const ids = made.json.results.map((r: any) => r.id as string);
        const operations = ops.map(([action, k, ifMatch, body]) => ({ action, id: ids[k], ...(ifMatch === undefined ? {} : { ifMatch }), ...(action === "update" ? { patch: body } : {}) }));
        const res = await bulk(org.writeKey, operations);
        expect(res.status, res.text).toBe(200);
        expect(res.json.results.map((r: any) => r.index)).toEqual(operations.map((_, i) => i));
        for (const r of res.json.results) {
          expect(r.status, JSON.stringify(r)).toBeLessThan(500);
          if (r.status >= 400) expect(r.problem.status).toBe(r.status);
        }
      }),
      { numRuns: 40 },
    );
    expect(unexpectedErrorCount()).toBe(before);
  });
});
