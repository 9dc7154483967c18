import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvField } from "../../src/codes/exports";
import { app } from "../../src/app";
import { unexpectedErrorCount } from "../../src/http/errors";
import { call, ORIGIN_URL, seedOrg } from "./qr-support";

/** Streamed exports of codes: every row once across pages, the listing's filters, RFC 4180 CSV that parses back, no formulas, no other organization. */

/** RFC 4180: records end with CRLF, fields are quoted when they hold a comma, quote or line break, quotes doubled. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
      else if (ch === '"') (quoted = false), i++;
      else (field += ch), i++;
    } else if (ch === '"' && field === "") (quoted = true), i++;
    else if (ch === ",") record.push(field), (field = ""), i++;
    else if (ch === "\r" && text[i + 1] === "\n") record.push(field), records.push(record), (record = []), (field = ""), (i += 2);
    else if (ch === '"' || ch === "\r" || ch === "\n") throw new Error(`bare ${JSON.stringify(ch)} at ${i}`);
    else (field += ch), i++;
  }
  if (field !== "" || record.length > 0) throw new Error("the last record does not end with CRLF");
  return records;
}

/** `count` url codes written straight into D1 (one statement): ids in creation order, every 3rd tagged "third", every 2nd a wifi code. */
async function seedCodes(orgId: string, count: number, prefix = "c"): Promise<void> {
  const base = Date.now().toString(16).padStart(12, "0");
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
     INSERT INTO qr_codes (id, org_id, name, type, content, appearance, tags, created_at, updated_at)
     SELECT ?3 || printf('%012x', i), ?1, ?4 || ' ' || i, CASE WHEN i % 2 = 0 THEN 'wifi' ELSE 'text' END,
            CASE WHEN i % 2 = 0 THEN '{"ssid":"n","password":"p","encryption":"WPA","hidden":false}' ELSE '{"text":"t"}' END,
            '{}', CASE WHEN i % 3 = 0 THEN '["third"]' ELSE '[]' END, '2026-12-01T00:00:00+00:00', '2026-12-01T00:00:00+00:00' FROM n`,
  )
    .bind(orgId, count, base, prefix)
    .run();
  await env.DB.prepare("INSERT INTO qr_code_tags (org_id, tag, code_id) SELECT org_id, 'third', id FROM qr_codes WHERE org_id = ?1 AND tags = '[\"third\"]'").bind(orgId).run();
}

describe("GET /qr_codes/export", () => {
  it("streams 2,500 codes, every one exactly once across its pages, in CSV that parses back; JSON Lines too", async () => {
    const org = await seedOrg();
    const other = await seedOrg();
    await seedCodes(org.orgId, 2500);
    await seedCodes(other.orgId, 10, "other");
    const res = await call("GET", "/qr_codes/export?format=csv", { key: org.readKey });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8; header=present");
    expect(res.headers.get("Content-Disposition")).toMatch(/^attachment; filename="codes-\d{4}-\d{2}-\d{2}\.csv"$/);
    const [header, ...rows] = parseCsv(res.text);
    expect(header).toEqual(["id", "name", "type", "tags", "short_token", "dynamic_url", "content", "scans", "views", "created_at", "updated_at"]);
    expect(rows).toHaveLength(2500);
    const ids = rows.map((row) => row[0]!);
    expect(new Set(ids).size).toBe(2500);
    // Newest first, as the listing: ids strictly decreasing across the 500-code page boundaries.
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(rows.every((row) => row.length === 11 && !row[1]!.startsWith("other"))).toBe(true);
    expect(JSON.parse(rows.find((row) => row[2] === "wifi")![6]!)).toMatchObject({ ssid: "n" });

    const lines = await call("GET", "/qr_codes/export?format=jsonl&order%5BcreatedAt%5D=asc", { key: org.readKey });
    expect(lines.headers.get("Content-Type")).toBe("application/jsonl; charset=utf-8");
    expect(lines.headers.get("Content-Disposition")).toMatch(/filename="codes-.*\.jsonl"/);
    const codes = lines.text.trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(codes.map((code) => code.id)).toEqual([...ids].reverse());
  });

  it("reads D1 a page at a time, as the reader asks: the first chunk costs one page, not the whole export", async () => {
    const org = await seedOrg();
    await seedCodes(org.orgId, 1200);
    const pages: string[] = [];
    // The Worker's D1 binding, counting the export's page queries (auth and others pass through).
    const db = new Proxy(env.DB, {
      get(target, property) {
        if (property === "prepare")
          return (sql: string) => {
            if (sql.startsWith("SELECT * FROM qr_codes WHERE") && sql.includes("ORDER BY id")) pages.push(sql);
            return target.prepare(sql);
          };
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const res = await app.fetch(new Request(`${ORIGIN_URL}/qr_codes/export`, { headers: { Authorization: `Bearer ${org.readKey}` } }), { ...env, DB: db }, { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value); // the header row
    text += decoder.decode((await reader.read()).value); // the first page
    expect(pages.length).toBeLessThanOrEqual(2);
    expect(text.split("\r\n").length - 2).toBe(500);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value);
    expect(parseCsv(text)).toHaveLength(1201);
    // 500 + 500 + 200: the short third page ends the walk without a fourth query.
    expect(pages).toHaveLength(3);
    // Pages after the first resume after the last id sent (keyset), never with OFFSET.
    expect(pages.every((sql) => !sql.includes("OFFSET"))).toBe(true);
  });

  it("applies the listing's filters: type, search, tag (AND), order", async () => {
    const org = await seedOrg();
    await seedCodes(org.orgId, 30);
    const rowsOf = async (query: string) => parseCsv((await call("GET", `/qr_codes/export?${query}`, { key: org.readKey })).text).slice(1);
    expect((await rowsOf("type=wifi")).every((row) => row[2] === "wifi")).toBe(true);
    expect(await rowsOf("type=wifi")).toHaveLength(15);
    expect((await rowsOf("tag=THIRD")).map((row) => row[1])).toEqual([30, 27, 24, 21, 18, 15, 12, 9, 6, 3].map((i) => `c ${i}`));
    expect((await rowsOf("tag=third&type=wifi")).map((row) => row[1])).toEqual(["c 30", "c 24", "c 18", "c 12", "c 6"]);
    expect((await rowsOf("tag=third&tag=other")).length).toBe(0);
    expect((await rowsOf("search=c%202&order%5BcreatedAt%5D=asc")).map((row) => row[1])).toEqual(["c 2", "c 20", "c 21", "c 22", "c 23", "c 24", "c 25", "c 26", "c 27", "c 28", "c 29"]);
    const empty = await call("GET", "/qr_codes/export?tag=none", { key: org.readKey });
    expect(empty.text).toBe("id,name,type,tags,short_token,dynamic_url,content,scans,views,created_at,updated_at\r\n");
    expect((await call("GET", "/qr_codes/export?format=xml", { key: org.readKey })).status).toBe(400);
    expect((await call("GET", "/qr_codes/export?tag=%3D1", { key: org.readKey })).status).toBe(400);
  });

  it("neutralises formula cells and quotes what RFC 4180 says to, so names come back as written", async () => {
    const org = await seedOrg();
    const names = ['=HYPERLINK("http://evil.example","x")', "+1 555", "-2+3", "@SUM(A1)", 'a "quoted", name', "two\nlines", "plain"];
    for (const name of names) expect((await call("POST", "/qr_codes", { key: org.writeKey, body: { name, content: { url: "https://example.com" }, tags: ["t", "table 1"] } })).status).toBe(201);
    const rows = parseCsv((await call("GET", "/qr_codes/export?order%5BcreatedAt%5D=asc", { key: org.readKey })).text).slice(1);
    expect(rows.map((row) => row[1])).toEqual(['\'=HYPERLINK("http://evil.example","x")', "'+1 555", "'-2+3", "'@SUM(A1)", 'a "quoted", name', "two\nlines", "plain"]);
    expect(rows[0]![3]).toBe("t,table 1");
    expect(rows[0]![5]).toMatch(/^https:\/\/qr\.test\/r\/[0-9A-Za-z]{8}$/);
    expect(csvField(-1)).toBe("-1");
    expect(csvField(null)).toBe("");
  });

  it("needs a key that may read codes; another organization's key exports only its own codes", async () => {
    const org = await seedOrg();
    const other = await seedOrg();
    await seedCodes(org.orgId, 3);
    expect((await call("GET", "/qr_codes/export")).status).toBe(401);
    const noRead = await org.issueKey({ role: "read-only", actions: ["qr:WriteQrCode"] });
    expect((await call("GET", "/qr_codes/export", { key: noRead.secret })).status).toBe(403);
    expect(parseCsv((await call("GET", "/qr_codes/export", { key: other.readKey })).text)).toHaveLength(1);
  });
});

/**
 * `count` raw events of a code straight into D1 (scans unless `kind` says otherwise), `perSecond` of
 * them sharing each second (so pages end inside a second), every 4th a bot, every 2nd routed by
 * the rule "iPhone" to the variant "B".
 */
async function seedScans(orgId: string, codeId: string, count: number, options: { start?: string; perSecond?: number; kind?: "scan" | "click" | "view" } = {}): Promise<void> {
  const start = Date.parse(options.start ?? "2026-11-01T00:00:00Z") / 1000;
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?3 - 1)
     INSERT INTO scan_events (id, batch_id, code_id, org_id, kind, at, day, country, device, referrer_host, bot, bot_reason, visitor, rule, variant)
     SELECT ?2 || '-' || ?6 || '-' || i, 'b', ?2, ?1, ?6, strftime('%Y-%m-%dT%H:%M:%S+00:00', ?4 + i / ?5, 'unixepoch'), strftime('%Y-%m-%d', ?4 + i / ?5, 'unixepoch'),
            'FR', 'mobile', CASE WHEN i = 1 THEN '=cmd|x' ELSE NULL END, CASE WHEN i % 4 = 3 THEN 1 ELSE 0 END, CASE WHEN i % 4 = 3 THEN 'isbot' ELSE NULL END, 'v',
            CASE WHEN i % 2 = 0 THEN 'iPhone' ELSE NULL END, CASE WHEN i % 2 = 0 THEN 'B' ELSE NULL END FROM n`,
  )
    .bind(orgId, codeId, count, start, options.perSecond ?? 1, options.kind ?? "scan")
    .run();
}

describe("scan exports", () => {
  it("a code's scans: every one once across pages that end inside a second, oldest first, humans unless bots=include", async () => {
    const org = await seedOrg();
    const code = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "s", content: { url: "https://example.com" } } })).json;
    await seedScans(org.orgId, code.id, 1600, { perSecond: 7 });
    const all = await call("GET", `/qr_codes/${code.id}/scans/export?bots=include`, { key: org.readKey });
    expect(all.status).toBe(200);
    expect(all.headers.get("Content-Disposition")).toMatch(new RegExp(`^attachment; filename="scans-${code.id}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`));
    const [header, ...rows] = parseCsv(all.text);
    expect(header).toEqual(["id", "code_id", "at", "country", "region", "city", "device", "os", "browser", "referrer_host", "bot", "bot_reason", "outcome", "rule", "variant"]);
    expect(rows).toHaveLength(1600);
    expect(rows.slice(0, 2).map((row) => row.slice(13))).toEqual([["iPhone", "B"], ["", ""]]);
    expect(new Set(rows.map((row) => row[0])).size).toBe(1600);
    expect(rows.map((row) => row[2])).toEqual(rows.map((row) => row[2]).sort());
    expect(rows[1]![9]).toBe("'=cmd|x");
    const humans = parseCsv((await call("GET", `/qr_codes/${code.id}/scans/export`, { key: org.readKey })).text).slice(1);
    expect(humans).toHaveLength(1200);
    expect(humans.every((row) => row[10] === "false")).toBe(true);
    // A period: [from, to).
    const lines = await call("GET", `/qr_codes/${code.id}/scans/export?format=jsonl&bots=include&from=2026-11-01T00:00:10Z&to=2026-11-01T00:00:20Z`, { key: org.readKey });
    const events = lines.text.trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(events).toHaveLength(70);
    expect(events[0]).toMatchObject({ codeId: code.id, at: "2026-11-01T00:00:10+00:00", country: "FR", device: "mobile" });
    expect(events.at(-1).at).toBe("2026-11-01T00:00:19+00:00");
  });

  it("the organization's scans: its codes only (not a deleted one's, not another organization's), any period", async () => {
    const org = await seedOrg();
    const other = await seedOrg();
    const make = async (key: string) => (await call("POST", "/qr_codes", { key, body: { name: "s", content: { url: "https://example.com" } } })).json.id as string;
    const [a, b, gone, foreign] = [await make(org.writeKey), await make(org.writeKey), await make(org.writeKey), await make(other.writeKey)];
    await seedScans(org.orgId, a, 300);
    await seedScans(org.orgId, b, 400, { start: "2026-11-02T00:00:00Z" });
    await seedScans(org.orgId, gone, 5);
    await seedScans(other.orgId, foreign, 5);
    expect((await call("DELETE", `/qr_codes/${gone}`, { key: org.writeKey })).status).toBe(204);
    const res = await call("GET", "/analytics/scans/export?bots=include", { key: org.readKey });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Disposition")).toMatch(/^attachment; filename="scans-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = parseCsv(res.text).slice(1);
    expect(rows).toHaveLength(700);
    expect(new Set(rows.map((row) => row[1]))).toEqual(new Set([a, b]));
    const day = parseCsv((await call("GET", "/analytics/scans/export?from=2026-11-02&to=2026-11-03", { key: org.readKey })).text).slice(1);
    expect(day).toHaveLength(300);
    expect(day.every((row) => row[1] === b)).toBe(true);
    expect(parseCsv((await call("GET", "/analytics/scans/export", { key: other.readKey })).text).slice(1)).toHaveLength(4);
  });

  it("clicks and page views export as scans do, each family only its own events, per code and per organization", async () => {
    const org = await seedOrg();
    const link = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "s", content: { url: "https://example.com" } } })).json;
    const page = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "p", type: "text", content: { text: "Hello" } } })).json;
    await seedScans(org.orgId, link.id, 30);
    await seedScans(org.orgId, link.id, 20, { kind: "click" });
    await seedScans(org.orgId, page.id, 12, { kind: "view" });
    const clicks = await call("GET", `/qr_codes/${link.id}/clicks/export?bots=include`, { key: org.readKey });
    expect(clicks.status).toBe(200);
    expect(clicks.headers.get("Content-Disposition")).toMatch(new RegExp(`^attachment; filename="clicks-${link.id}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`));
    const clickRows = parseCsv(clicks.text).slice(1);
    expect(clickRows).toHaveLength(20);
    expect(clickRows.every((row) => row[0]!.startsWith(`${link.id}-click-`))).toBe(true);
    const views = await call("GET", `/qr_codes/${page.id}/page-views/export?format=jsonl`, { key: org.readKey });
    const viewLines = views.text.trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(viewLines).toHaveLength(9); // 12 less every 4th, a bot
    expect(viewLines[0]).toMatchObject({ codeId: page.id, rule: "iPhone", variant: "B", bot: false });
    const orgClicks = parseCsv((await call("GET", "/analytics/clicks/export?bots=include", { key: org.readKey })).text).slice(1);
    expect(orgClicks.map((row) => row[0]).sort()).toEqual(clickRows.map((row) => row[0]).sort());
    const orgViews = parseCsv((await call("GET", "/analytics/page-views/export?bots=include", { key: org.readKey })).text).slice(1);
    expect(orgViews).toHaveLength(12);
    // As their collections answer: a static code has no share link, a url code no hosted page.
    const wifi = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "w", type: "wifi", content: { ssid: "n", password: "password1", encryption: "WPA", hidden: false } } })).json;
    const noClicks = await call("GET", `/qr_codes/${wifi.id}/clicks/export`, { key: org.readKey });
    expect(noClicks.status).toBe(400);
    expect(noClicks.json.detail).toMatch(/dynamic types/);
    expect((await call("GET", `/qr_codes/${link.id}/page-views/export`, { key: org.readKey })).status).toBe(400);
  });

  it("refusals: another organization's code is not found, bad periods and formats are 400s, a key must read codes", async () => {
    const org = await seedOrg();
    const other = await seedOrg();
    const code = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "s", content: { url: "https://example.com" } } })).json;
    // Answered exactly as a missing code is (this family's "QR code not found").
    const foreign = await call("GET", `/qr_codes/${code.id}/scans/export`, { key: other.readKey });
    const missing = await call("GET", `/qr_codes/${"0".repeat(24)}/scans/export`, { key: other.readKey });
    expect(foreign.status).toBe(missing.status);
    expect(foreign.json.detail).toBe(missing.json.detail);
    expect(foreign.text).not.toContain(code.id.slice(12));
    const bad = await call("GET", `/qr_codes/${code.id}/scans/export?from=yesterday&to=2026-01-01&format=pdf`, { key: org.readKey });
    expect(bad.status).toBe(400);
    expect(bad.json.violations.map((v: { propertyPath: string }) => v.propertyPath).sort()).toEqual(["format", "from"]);
    expect((await call("GET", "/analytics/scans/export?from=2026-02-01&to=2026-01-01", { key: org.readKey })).status).toBe(400);
    expect((await call("GET", "/analytics/scans/export")).status).toBe(401);
    const noRead = await org.issueKey({ role: "read-only", actions: ["qr:WriteQrCode"] });
    expect((await call("GET", "/analytics/scans/export", { key: noRead.secret })).status).toBe(403);
    // The scans collection and a scan's own path are routed as before.
    expect((await call("GET", `/qr_codes/${code.id}/scans`, { key: org.readKey })).json["@type"]).toBe("Collection");
  });
});

describe("export queries fuzz", () => {
  it("any query string on the exports answers 200 or 400, never a 5xx", async () => {
    const org = await seedOrg();
    const code = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "s", content: { url: "https://example.com" }, tags: ["a"] } })).json;
    const before = unexpectedErrorCount();
    const name = fc.constantFrom("format", "type", "search", "tag", "order[createdAt]", "from", "to", "bots", "page", "x");
    const value = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("csv", "jsonl", "url", "A", "=1", "2026-01-01", "2026-01-01T00:00:00+01:00", "9999-12-31", "include", "asc", ""));
    const path = fc.constantFrom("/qr_codes/export", `/qr_codes/${code.id}/scans/export`, `/qr_codes/${code.id}/clicks/export`, "/analytics/scans/export", "/analytics/clicks/export");
    await fc.assert(
      fc.asyncProperty(path, fc.array(fc.tuple(name, value), { maxLength: 6 }), async (at, pairs) => {
        const query = new URLSearchParams(pairs).toString();
        const res = await call("GET", `${at}?${query}`, { key: org.readKey });
        expect([200, 400]).toContain(res.status);
      }),
      { numRuns: 80 },
    );
    expect(unexpectedErrorCount()).toBe(before);
  });
});
