import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { unexpectedErrorCount } from "../../src/http/errors";
import { call, seedOrg } from "./qr-support";

/** POST /qr_codes/bulk and POST /qr_codes/import, through HTTP in workerd. */

const create = (name: string, url = "https://example.com/" + encodeURIComponent(name)) => ({ action: "create", code: { name, type: "url", content: { url } } });
const bulk = (key: string, operations: unknown[], headers: Record<string, string> = {}) => call("POST", "/qr_codes/bulk", { key, body: { operations }, headers, settle: true });
const importCsv = (key: string, csv: string | Uint8Array, headers: Record<string, string> = {}) =>
  call("POST", "/qr_codes/import", { key, body: csv, headers: { "Content-Type": "text/csv", ...headers }, settle: true });

describe("POST /qr_codes/bulk", () => {
  it("creates 1,000 codes in one call, each readable after, each short link in KV", async () => {
    const org = await seedOrg();
    const operations = Array.from({ length: 1000 }, (_, i) => create(`Table ${i + 1}`));
    const res = await bulk(org.writeKey, operations);
    expect(res.status, res.text.slice(0, 500)).toBe(200);
    expect(res.json.succeeded).toBe(1000);
    expect(res.json.failed).toBe(0);
    expect(res.json.results.map((r: any) => r.index)).toEqual(operations.map((_, i) => i));
    for (const r of res.json.results) {
      expect(r).toMatchObject({ action: "create", status: 201, etag: '"v1"' });
      expect(r.dynamicUrl).toBe(`https://qr.test/r/${r.shortToken}`);
    }
    const list = await call("GET", "/qr_codes?page=1", { key: org.writeKey });
    expect(list.json.totalItems).toBe(1000);
    // Every KV write was acknowledged: no sync marker left for the cron to repair.
    const pending = await env.DB.prepare("SELECT COUNT(*) AS n FROM redirect_sync r JOIN qr_codes c ON c.short_token = r.token WHERE c.org_id = ?1").bind(org.orgId).first<{ n: number }>();
    expect(pending!.n).toBe(0);
    // Spot checks across the batches (100 codes each): the code as sent, its redirect record in KV.
    for (const i of [0, 99, 100, 555, 999]) {
      const r = res.json.results[i];
      const got = await call("GET", `/qr_codes/${r.id}`, { key: org.readKey });
      expect(got.json.name).toBe(`Table ${i + 1}`);
      expect(got.json.metadata.shortToken).toBe(r.shortToken);
      const redirect = await exports.default.fetch(new Request(`https://qr.test/r/${r.shortToken}`, { redirect: "manual", headers: { "User-Agent": "curl/8" } }));
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get("Location")).toBe(`https://example.com/Table%20${i + 1}`);
      expect(await env.LINKS.get(r.shortToken)).not.toBeNull();
    }
  });

  it("answers per item in request order: the valid ones written, the invalid ones with their violations", async () => {
    const org = await seedOrg();
    const res = await bulk(org.writeKey, [
      create("First"),
      { action: "create", code: { name: "", type: "url", content: { url: "ftp://nope" } } },
      { action: "create", code: { name: "Colour", content: { url: "https://example.com" }, appearance: { dotsOptionsColour: "#000000" } } },
      { action: "frobnicate", id: "x" },
      "not an object",
      create("Last"),
    ]);
    expect(res.status).toBe(200);
    const [first, bad, colour, unknownAction, notObject, last] = res.json.results;
    expect(first).toMatchObject({ index: 0, status: 201 });
    expect(bad).toMatchObject({ index: 1, action: "create", status: 400 });
    expect(bad.id).toBeUndefined();
    expect(bad.problem).toMatchObject({ "@type": "Error", status: 400, type: "/errors/400" });
    expect(bad.problem.violations.map((v: any) => v.propertyPath)).toEqual(expect.arrayContaining(["code.name", "code.content.url"]));
    expect(colour.status).toBe(400);
    expect(colour.problem.violations[0].propertyPath).toBe("code.appearance.dotsOptionsColour");
    expect(colour.problem.violations[0].message).toMatch(/dotsOptionsColor/);
    expect(unknownAction).toMatchObject({ index: 3, status: 400 });
    expect(unknownAction.problem.violations[0].propertyPath).toBe("action");
    expect(notObject).toMatchObject({ index: 4, status: 400 });
    expect(last).toMatchObject({ index: 5, status: 201 });
    expect(res.json).toMatchObject({ succeeded: 2, failed: 4 });
    const list = await call("GET", "/qr_codes", { key: org.writeKey });
    expect(list.json.member.map((m: any) => m.name).sort()).toEqual(["First", "Last"]);
  });

  it("updates with a merge patch and a per-item ifMatch, and deletes, in request order", async () => {
    const org = await seedOrg();
    const made = await bulk(org.writeKey, [create("A"), create("B"), create("C")]);
    const [a, b, c] = made.json.results.map((r: any) => r.id);
    const res = await bulk(org.writeKey, [
      { action: "update", id: a, ifMatch: '"v1"', patch: { name: "A (renamed)", content: { url: "https://example.com/a2" } } },
      { action: "update", id: b, ifMatch: '"v7"', patch: { name: "never" } },
      { action: "update", id: c, patch: { content: { url: "javascript:alert(1)" } } },
      { action: "update", id: a, ifMatch: '"v2"', patch: { name: "A (twice)" } },
      { action: "delete", id: b, ifMatch: '"v1"' },
      { action: "delete", id: b },
    ]);
    expect(res.status).toBe(200);
    const results = res.json.results;
    expect(results[0]).toMatchObject({ status: 200, id: a, etag: '"v2"' });
    expect(results[1]).toMatchObject({ status: 412, id: b });
    expect(results[2]).toMatchObject({ status: 400, id: c });
    expect(results[2].problem.violations[0].propertyPath).toBe("patch.content.url");
    expect(results[3]).toMatchObject({ status: 200, id: a, etag: '"v3"' });
    expect(results[4]).toMatchObject({ status: 204, id: b });
    expect(results[5]).toMatchObject({ status: 400, id: b, problem: { detail: "QR code not found" } });
    const got = await call("GET", `/qr_codes/${a}`, { key: org.readKey });
    expect(got.json).toMatchObject({ name: "A (twice)", content: { url: "https://example.com/a2" } });
    expect(got.headers.get("ETag")).toBe('"v3"');
    expect((await call("GET", `/qr_codes/${b}`, { key: org.readKey })).status).toBe(400);
    expect((await call("GET", `/qr_codes/${c}`, { key: org.readKey })).json.content.url).toBe("https://example.com/C");
  });

  it("answers another organization's ids as missing, per item, and leaves its codes alone", async () => {
    const mine = await seedOrg();
    const theirs = await seedOrg();
    const their = (await bulk(theirs.writeKey, [create("Theirs")])).json.results[0].id;
    const res = await bulk(mine.writeKey, [
      { action: "update", id: their, patch: { name: "Taken" } },
      { action: "delete", id: their },
      { action: "delete", id: "not-an-id" },
    ]);
    expect(res.status).toBe(200);
    const missing = (await call("DELETE", `/qr_codes/${their}`, { key: mine.writeKey })).json;
    for (const r of res.json.results) expect(r.problem).toEqual(missing);
    expect((await call("GET", `/qr_codes/${their}`, { key: theirs.readKey })).json.name).toBe("Theirs");
  });

  it("replays the whole answer for a retry with the same Idempotency-Key, and refuses the key with another body", async () => {
    const org = await seedOrg();
    const operations = [create("Once"), { action: "create", code: { name: "" } }];
    const first = await bulk(org.writeKey, operations, { "Idempotency-Key": "bulk-1" });
    expect(first.status).toBe(200);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const again = await bulk(org.writeKey, operations, { "Idempotency-Key": "bulk-1" });
    expect(again.status).toBe(200);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.text).toBe(first.text);
    expect((await call("GET", "/qr_codes", { key: org.writeKey })).json.totalItems).toBe(1);
    const other = await bulk(org.writeKey, [create("Other")], { "Idempotency-Key": "bulk-1" });
    expect(other.status).toBe(422);
    const malformed = await bulk(org.writeKey, operations, { "Idempotency-Key": "has space" });
    expect(malformed.status).toBe(400);
  });

  it("a key stored before fingerprints were keyed (a plain SHA-256 of the body) still replays its retry", async () => {
    const org = await seedOrg();
    const operations = [create("Before the upgrade")];
    const first = await bulk(org.writeKey, operations, { "Idempotency-Key": "legacy-1" });
    const row = () => env.DB.prepare("SELECT request_hash FROM idempotency_keys WHERE org_id = ?1 AND key = 'legacy-1'").bind(org.orgId);
    expect((await row().first<{ request_hash: string }>())!.request_hash).toMatch(/^hmac:[0-9a-f]{64}$/);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`bulk\n${JSON.stringify({ operations })}`)));
    const plain = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
    await env.DB.prepare("UPDATE idempotency_keys SET request_hash = ?3 WHERE org_id = ?1 AND key = ?2").bind(org.orgId, "legacy-1", plain).run();
    const again = await bulk(org.writeKey, operations, { "Idempotency-Key": "legacy-1" });
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.text).toBe(first.text);
    expect((await bulk(org.writeKey, [create("Another body")], { "Idempotency-Key": "legacy-1" })).status).toBe(422);
  });

  it("refuses what is over the limits as a whole: 1,001 operations (400), none (400), a body over 5 MB (413)", async () => {
    const org = await seedOrg();
    const tooMany = await bulk(org.writeKey, Array.from({ length: 1001 }, (_, i) => create(`N${i}`)));
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.violations[0].propertyPath).toBe("operations");
    expect((await bulk(org.writeKey, [])).status).toBe(400);
    const huge = await call("POST", "/qr_codes/bulk", { key: org.writeKey, body: JSON.stringify({ operations: [create("x".repeat(6 * 1024 * 1024))] }) });
    expect(huge.status).toBe(413);
    expect((await call("GET", "/qr_codes", { key: org.writeKey })).json.totalItems).toBe(0);
  });

  it("sends qr_code.created for every code it creates (one queue batch per D1 batch), and updated/deleted per item", async () => {
    const sent: unknown[] = [];
    const spy = vi.spyOn(env.WEBHOOKS, "sendBatch").mockImplementation(async (messages) => {
      sent.push(...messages);
      return undefined as never;
    });
    const send = vi.spyOn(env.WEBHOOKS, "send").mockResolvedValue(undefined as never);
    try {
      const org = await seedOrg();
      const manager = await org.issueKey({ role: "read-write", actions: ["qr:ReadQrCode", "qr:WriteQrCode", "webhooks:ManageWebhooks"] });
      const hook = await call("POST", "/webhooks", { key: manager.secret, body: { url: "https://hooks.example.com/bulk", events: ["qr_code.created", "qr_code.updated", "qr_code.deleted"] } });
      expect(hook.status, hook.text).toBe(201);
      const made = await bulk(org.writeKey, [create("One"), { action: "create", code: { name: "" } }, create("Two"), create("Three")]);
      const ids = made.json.results.filter((r: any) => r.status === 201).map((r: any) => r.id);
      await bulk(org.writeKey, [{ action: "update", id: ids[0], patch: { name: "Uno" } }, { action: "delete", id: ids[1] }]);
      const rows = await env.DB.prepare("SELECT event_type, payload FROM webhook_deliveries WHERE endpoint_id = ?1 ORDER BY event_type").bind(hook.json.id).all<{ event_type: string; payload: string }>();
      const events = rows.results.map((row) => [row.event_type, JSON.parse(row.payload).data.id]);
      expect(events.filter(([type]) => type === "qr_code.created").map(([, id]) => id).sort()).toEqual([...ids].sort());
      expect(events.filter(([type]) => type !== "qr_code.created")).toEqual([
        ["qr_code.deleted", ids[1]],
        ["qr_code.updated", ids[0]],
      ]);
      expect(sent).toHaveLength(5);
    } finally {
      spy.mockRestore();
      send.mockRestore();
    }
  });

  it("needs a key that may write", async () => {
    const org = await seedOrg();
    expect((await bulk(org.readKey, [create("No")])).status).toBe(403);
    expect((await call("POST", "/qr_codes/bulk", { body: { operations: [create("No")] } })).status).toBe(401);
    expect((await importCsv(org.readKey, "name,url\nNo,https://example.com\n")).status).toBe(403);
  });

  it("never answers a fuzzed body with a 5xx", async () => {
    const org = await seedOrg();
    const before = unexpectedErrorCount();
    const anyValue = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom("create", "update", "delete", "0193a1b2c3d4e5f6a7b8c9d0", '"v1"', "*"));
    const operation = fc.oneof(
      fc.record({ action: fc.constantFrom("create", "update", "delete"), id: anyValue, ifMatch: anyValue, code: fc.oneof(anyValue, fc.record({ name: anyValue, type: anyValue, content: fc.oneof(anyValue, fc.record({ url: anyValue })) }, { requiredKeys: [] })), patch: fc.oneof(anyValue, fc.dictionary(fc.string({ maxLength: 8 }), anyValue, { maxKeys: 3 })) }, { requiredKeys: [] }),
      anyValue,
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.record({ operations: fc.oneof(fc.array(operation, { maxLength: 6 }), anyValue) }, { requiredKeys: [] }), anyValue), async (body) => {
        const res = await call("POST", "/qr_codes/bulk", { key: org.writeKey, body: JSON.stringify(body) });
        expect(res.status, res.text).toBeLessThan(500);
        for (const r of res.status === 200 ? res.json.results : []) expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(",", '"', "\r\n", "\n", "\r", "name", "url", "type", "appearance.margin", "content", "{}", "\uFEFF")), { maxLength: 30 }), async (parts) => {
        const res = await importCsv(org.writeKey, parts.join(""));
        expect(res.status, res.text).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
    expect(unexpectedErrorCount()).toBe(before);
  });
});

describe("POST /qr_codes/import", () => {
  it("creates a code per row: quoted fields, CRLF, a BOM, appearance and content columns, a bad row reported with its line", async () => {
    const org = await seedOrg();
    const csv =
      "\uFEFFname,type,url,text,appearance.margin,appearance.dotsOptionsColor,limits.maxScans,tags\r\n" +
      '"Table 1, terrace",url,https://example.com/menu?t=1,,4,#0f172a,100,"Menu, Terrace"\r\n' +
      '"Say ""hi""",text,,"two\r\nlines",,,,\r\n' +
      "\r\n" +
      "Broken,url,ftp://nope,,,,,\r\n" +
      "Short row,url\r\n" +
      "Last,url,https://example.com/last,,,,,";
    const res = await importCsv(org.writeKey, new TextEncoder().encode(csv));
    expect(res.status, res.text).toBe(200);
    const results = res.json.results;
    expect(results.map((r: any) => [r.line, r.status])).toEqual([
      [2, 201],
      [3, 201],
      [6, 400],
      [7, 400],
      [8, 201],
    ]);
    expect(results[2].problem.violations[0]).toEqual({ propertyPath: "content.url", message: expect.any(String) });
    expect(results[3].problem.detail).toMatch(/^line 7: 2 cells where the header names 8 columns/);
    expect(res.json).toMatchObject({ succeeded: 3, failed: 2 });
    const table = await call("GET", `/qr_codes/${results[0].id}`, { key: org.readKey });
    expect(table.json).toMatchObject({ name: "Table 1, terrace", content: { url: "https://example.com/menu?t=1" }, appearance: { margin: 4, dotsOptionsColor: "#0f172a" }, limits: { maxScans: 100 }, tags: ["menu", "terrace"] });
    const text = await call("GET", `/qr_codes/${results[1].id}`, { key: org.readKey });
    expect(text.json).toMatchObject({ name: 'Say "hi"', type: "text", content: { text: "two\r\nlines" } });
  });

  it("takes a body that arrives in small chunks, split inside quotes and inside multi-byte characters", async () => {
    const org = await seedOrg();
    const bytes = new TextEncoder().encode('name,text,type\n"Crème, brûlée",日本語のテキスト,text\nPlain,"a ""quoted"" word",text\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 3) controller.enqueue(bytes.slice(i, i + 3));
        controller.close();
      },
    });
    const res = await call("POST", "/qr_codes/import", { key: org.writeKey, body, headers: { "Content-Type": "text/csv" }, settle: true });
    expect(res.status, res.text).toBe(200);
    expect(res.json.results.map((r: any) => r.status)).toEqual([201, 201]);
    const first = await call("GET", `/qr_codes/${res.json.results[0].id}`, { key: org.readKey });
    expect(first.json).toMatchObject({ name: "Crème, brûlée", content: { text: "日本語のテキスト" } });
    const second = await call("GET", `/qr_codes/${res.json.results[1].id}`, { key: org.readKey });
    expect(second.json.content.text).toBe('a "quoted" word');
  });

  it("refuses files it cannot take, writing nothing: not CSV (415), empty, bad header, not UTF-8, 1,001 rows (400), over 5 MB (413)", async () => {
    const org = await seedOrg();
    expect((await call("POST", "/qr_codes/import", { key: org.writeKey, body: "name\nx\n", headers: { "Content-Type": "application/json" } })).status).toBe(415);
    expect((await importCsv(org.writeKey, "")).status).toBe(400);
    expect((await importCsv(org.writeKey, "name,url\n")).status).toBe(400);
    const duplicate = await importCsv(org.writeKey, "name,url,url\nx,https://a.example,https://b.example\n");
    expect(duplicate.status).toBe(400);
    expect(duplicate.json.detail).toMatch(/url appears twice/);
    expect((await importCsv(org.writeKey, "url\nhttps://example.com\n")).json.detail).toMatch(/name column is required/);
    expect((await importCsv(org.writeKey, new Uint8Array([0x6e, 0x61, 0x6d, 0x65, 0x0a, 0xff, 0xfe, 0x0a]))).json.detail).toMatch(/UTF-8/);
    const rows = Array.from({ length: 1001 }, (_, i) => `Row ${i},https://example.com/${i}`).join("\n");
    const tooMany = await importCsv(org.writeKey, `name,url\n${rows}\n`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.detail).toMatch(/at most 1000 rows .*line 1002/);
    const huge = await importCsv(org.writeKey, `name,url\n${"x".repeat(5 * 1024 * 1024)},https://example.com\n`);
    expect(huge.status).toBe(413);
    expect((await call("GET", "/qr_codes", { key: org.writeKey })).json.totalItems).toBe(0);
  });

  it("replays an import for a retry with the same Idempotency-Key", async () => {
    const org = await seedOrg();
    const csv = "name,url\nOnce,https://example.com/once\n";
    const first = await importCsv(org.writeKey, csv, { "Idempotency-Key": "import-1" });
    const again = await importCsv(org.writeKey, csv, { "Idempotency-Key": "import-1" });
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.text).toBe(first.text);
    expect((await call("GET", "/qr_codes", { key: org.writeKey })).json.totalItems).toBe(1);
    expect((await importCsv(org.writeKey, "name,url\nOther,https://example.com/other\n", { "Idempotency-Key": "import-1" })).status).toBe(422);
  });
});
