import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { archivedDayRows, archiveEvents, rawWindowDays } from "../../src/analytics/archive";
import { consumeVisits } from "../../src/analytics/consumer";
import type { VisitMessage } from "../../src/analytics/event";
import { visitSources } from "../../src/codes/exports";
import { ARCHIVE_SINCE_KEY } from "../../src/db/archive";
import { setServiceValue } from "../../src/db/service-meta";
import worker from "../../src/index";
import { isoNow } from "../../src/lib/time";
import { call, captureVisits, seedOrg, type TestOrg } from "./qr-support";

/**
 * The raw-scan archive (issue 18, part 6): scans go through the real edge and the real queue
 * consumer into D1 and R2 (ARCHIVE); the retention cron drops D1's raw rows past the raw window;
 * the scan exports read the archive for those days, through HTTP.
 */

const DAY = 86_400_000;
const PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

afterEach(async () => {
  vi.restoreAllMocks();
  // Each test says when archiving began; none leaves its choice to the next.
  await setServiceValue(env.DB, ARCHIVE_SINCE_KEY, null);
});

async function createCode(org: TestOrg, name = "poster"): Promise<{ id: string; token: string }> {
  const res = await call("POST", "/qr_codes", { key: org.writeKey, body: { name, content: { url: "https://example.com/poster" } } });
  expect(res.status, res.text).toBe(201);
  return { id: res.json.id, token: res.json.metadata.shortToken };
}

/** `count` real scans of a code (one address each), as the edge enqueued them. */
async function scan(code: { id: string; token: string }, count: number): Promise<VisitMessage[]> {
  const { waitFor } = captureVisits();
  for (let i = 0; i < count; i++) {
    const res = await exports.default.fetch(
      new Request(`https://qr.test/r/${code.token}`, { redirect: "manual", headers: { "User-Agent": PHONE, "CF-Connecting-IP": `198.51.100.${i + 1}` } }),
    );
    expect(res.status).toBe(302);
  }
  const sent = await waitFor(count, code.id);
  vi.restoreAllMocks();
  return sent;
}

/** A scan's message moved to another moment (and made a new event): how older scans are produced. */
/** Noon (UTC) `days` days before `now`: seconds added to it stay on its day. */
const noonBefore = (now: number, days: number) => Date.parse(`${isoNow(new Date(now - days * DAY)).slice(0, 10)}T12:00:00Z`);

const at = (message: VisitMessage, ms: number, overrides: Record<string, unknown> = {}): VisitMessage => ({ ...message, id: crypto.randomUUID(), at: isoNow(new Date(ms)), ...overrides });

/** One delivery of `bodies` to the consumer: what it reported, acknowledged and retried. */
async function consume(bodies: VisitMessage[], attempts = 1) {
  const batch = createMessageBatch(
    "edge-qr-scans",
    bodies.map((body, i) => ({ id: `m-${body.id}-${i}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  const written = await consumeVisits(batch, env);
  const result = await getQueueResult(batch, ctx);
  return { written, acked: result.explicitAcks.length, retried: result.retryMessages.length };
}

type Row = Record<string, unknown>;

/** Every archived object of an organization, decompressed with the platform's own gunzip. */
async function archived(orgId: string): Promise<{ key: string; rows: Row[] }[]> {
  const objects: { key: string; rows: Row[] }[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.ARCHIVE.list({ prefix: `scans/v1/org=${orgId}/`, cursor });
    for (const { key } of page.objects) {
      const body = (await env.ARCHIVE.get(key))!;
      const text = await new Response(body.body.pipeThrough(new DecompressionStream("gzip"))).text();
      objects.push({ key, rows: text.trimEnd().split("\n").map((line) => JSON.parse(line) as Row) });
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return objects;
}

/** D1's raw rows of a code as the archive writes them: without the consumer's batch id and the derived day; bot as true/false. */
async function d1Rows(codeId: string): Promise<Row[]> {
  const { results } = await env.DB.prepare("SELECT * FROM scan_events WHERE code_id = ?1 ORDER BY at, id").bind(codeId).all<Row>();
  return results.map(({ batch_id: _batch, day: _day, bot, ...row }) => ({ ...row, bot: bot === 1 }));
}

const byTimeAndId = (a: Row, b: Row) => String(a.at).localeCompare(String(b.at)) || String(a.id).localeCompare(String(b.id));

async function runCron(now: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "*/10 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function rawCount(codeId: string): Promise<number> {
  return (await env.DB.prepare("SELECT COUNT(*) AS n FROM scan_events WHERE code_id = ?1").bind(codeId).first<number>("n"))!;
}

const jsonLines = (text: string) =>
  text
    .trimEnd()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Row);

describe("the consumer archives every batch in R2", () => {
  it("writes gzip NDJSON per organization and day whose rows equal D1's rows", async () => {
    const org = await seedOrg();
    const other = await seedOrg();
    const code = await createCode(org);
    const foreign = await createCode(other);
    const mine = await scan(code, 6);
    const theirs = await scan(foreign, 2);
    const now = Date.now();
    // One batch holding two organizations and, for one of them, two days.
    const yesterday = [at(mine[0]!, now - DAY), at(mine[1]!, now - DAY - 1000)];
    expect(await consume([...mine, ...theirs, ...yesterday])).toEqual({ written: { written: 10, malformed: 0 }, acked: 10, retried: 0 });

    const objects = await archived(org.orgId);
    const days = [isoNow(new Date(now - DAY)).slice(0, 10), ...new Set(mine.map((m) => m.at.slice(0, 10)))];
    expect(objects.map((o) => o.key.split("/")[3]).sort()).toEqual([...new Set(days)].map((day) => `day=${day}`).sort());
    for (const object of objects) {
      expect(object.key).toMatch(new RegExp(`^scans/v1/org=${org.orgId}/day=(\\d{4}-\\d\\d-\\d\\d)/\\d{6}-[0-9a-f]{32}\\.ndjson\\.gz$`));
      // Every row of an object is of its organization and day, in time order.
      const day = object.key.split("/")[3]!.slice(4);
      expect(object.rows.every((row) => row.org_id === org.orgId && String(row.at).startsWith(day))).toBe(true);
      expect(object.rows).toEqual([...object.rows].sort(byTimeAndId));
    }
    expect(objects.flatMap((o) => o.rows).sort(byTimeAndId)).toEqual(await d1Rows(code.id));
    expect((await archived(other.orgId)).flatMap((o) => o.rows)).toEqual(await d1Rows(foreign.id));
    // The visitor column is the stored salted hash, never the edge's key.
    expect(JSON.stringify(objects)).not.toContain(mine[0]!.visitorKey);
  });

  it("a redelivered batch overwrites its own objects, and a regrouped one is read once", async () => {
    const org = await seedOrg();
    const code = await createCode(org);
    const sent = await scan(code, 4);
    await consume(sent);
    const first = await archived(org.orgId);
    expect(await consume(sent, 2)).toMatchObject({ acked: 4, retried: 0 });
    const again = await archived(org.orgId);
    expect(again.map((o) => o.key)).toEqual(first.map((o) => o.key));
    expect(again.flatMap((o) => o.rows)).toHaveLength(4);
    expect(await rawCount(code.id)).toBe(4);
    // Queues may deliver a retried message beside others: its event lands in a second object,
    // and the export (which reads the archive for archived days) still shows it once.
    await setServiceValue(env.DB, ARCHIVE_SINCE_KEY, "2000-01-01T00:00:00+00:00");
    const old = noonBefore(Date.now(), 40);
    const oldScans = [at(sent[0]!, old), at(sent[1]!, old + 1000)];
    await consume(oldScans);
    await consume([oldScans[0]!, at(sent[2]!, old + 2000)], 2);
    const day = isoNow(new Date(old)).slice(0, 10);
    const oldObjects = (await archived(org.orgId)).filter((o) => o.key.includes(`/day=${day}/`));
    expect(oldObjects.flatMap((o) => o.rows).filter((row) => row.id === oldScans[0]!.id)).toHaveLength(2);
    const res = await call("GET", `/qr_codes/${code.id}/scans/export?format=jsonl&from=${day}&to=${isoNow(new Date(old + DAY)).slice(0, 10)}`, { key: org.readKey });
    expect(res.status).toBe(200);
    expect(jsonLines(res.text).map((line) => line.id)).toEqual([oldScans[0]!.id, oldScans[1]!.id, expect.any(String)]);
  });

  it("an R2 failure retries the whole batch before D1 is written, and the retry loses and duplicates nothing", async () => {
    const org = await seedOrg();
    const other = await seedOrg();
    const code = await createCode(org);
    const foreign = await createCode(other);
    const sent = [...(await scan(code, 3)), ...(await scan(foreign, 3))];
    const put = env.ARCHIVE.put.bind(env.ARCHIVE);
    // One organization's object is stored, the other's put fails.
    vi.spyOn(env.ARCHIVE, "put").mockImplementation(((key: string, ...rest: unknown[]) =>
      key.includes(other.orgId) ? Promise.reject(new Error("simulated R2 outage")) : (put as (...args: unknown[]) => Promise<R2Object>)(key, ...rest)) as typeof put);
    vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await consume(sent)).toEqual({ written: { written: 0, malformed: 0 }, acked: 0, retried: 6 });
    // R2 first: nothing reached D1, so nothing is counted before it is archived.
    expect(await rawCount(code.id)).toBe(0);
    expect((await call("GET", `/qr_codes/${code.id}`, { key: org.readKey })).json.analytics.scans).toBe(0);
    expect((await archived(org.orgId)).flatMap((o) => o.rows)).toHaveLength(3);
    vi.restoreAllMocks();

    expect(await consume(sent, 2)).toEqual({ written: { written: 6, malformed: 0 }, acked: 6, retried: 0 });
    expect((await archived(org.orgId)).flatMap((o) => o.rows).sort(byTimeAndId)).toEqual(await d1Rows(code.id));
    expect((await archived(other.orgId)).flatMap((o) => o.rows).sort(byTimeAndId)).toEqual(await d1Rows(foreign.id));
    expect(await rawCount(code.id)).toBe(3);
    expect((await call("GET", `/qr_codes/${code.id}`, { key: org.readKey })).json.analytics.scans).toBe(3);
  });
});

describe("the raw window", () => {
  it("defaults to 30 days and follows SCAN_RAW_WINDOW_DAYS", () => {
    expect(rawWindowDays({ SCAN_RAW_WINDOW_DAYS: undefined } as unknown as Env)).toBe(30);
    expect(rawWindowDays({ SCAN_RAW_WINDOW_DAYS: "7" } as unknown as Env)).toBe(7);
    expect(rawWindowDays({ SCAN_RAW_WINDOW_DAYS: "-1" } as unknown as Env)).toBe(30);
  });

  it("the cron drops D1's raw rows past the window, keeps the rollups and the archive, and the exports read the archive", async () => {
    const org = await seedOrg();
    const code = await createCode(org, "kept");
    const gone = await createCode(org, "deleted later");
    const [template] = await scan(code, 1);
    const now = Date.now();
    // Scans 45 and 40 days ago (one a bot), 3 days ago, and one of a code deleted later; whole
    // seconds apart, so D1's order within a second cannot differ from the archive's.
    const [day45, day40] = [noonBefore(now, 45), noonBefore(now, 40)];
    const old = [
      at(template!, day45),
      at(template!, day45 + 1000),
      at(template!, day40, { bot: true, botReason: "isbot", device: "bot", os: null, browser: null }),
      at(template!, day40 + 5000),
    ];
    const recent = [at(template!, noonBefore(now, 3))];
    const deletedOld = at(template!, day40 + 3000, { codeId: gone.id });
    expect((await consume([...old, ...recent, deletedOld])).acked).toBe(6);
    const rowsBefore = await d1Rows(code.id);
    const rollupsBefore = await env.DB.prepare("SELECT day, total, humans, bots FROM scan_daily WHERE code_id = ?1 ORDER BY day").bind(code.id).all();
    // What the exports showed while D1 held every row (the archive had just begun: this batch).
    await setServiceValue(env.DB, ARCHIVE_SINCE_KEY, isoNow(new Date(now)));
    const path = `/qr_codes/${code.id}/scans/export?bots=include`;
    const csvBefore = (await call("GET", path, { key: org.readKey })).text;
    const jsonlBefore = (await call("GET", `${path}&format=jsonl`, { key: org.readKey })).text;
    expect(jsonLines(jsonlBefore)).toHaveLength(5);

    // Archiving began 100 days ago: every day past the 30-day window is the archive's.
    await setServiceValue(env.DB, ARCHIVE_SINCE_KEY, isoNow(new Date(now - 100 * DAY)));
    await runCron(now);
    expect(await d1Rows(code.id)).toEqual(rowsBefore.filter((row) => String(row.at) >= isoNow(new Date(now - 30 * DAY)).slice(0, 10)));
    expect(await rawCount(code.id)).toBe(1);
    expect(await rawCount(gone.id)).toBe(0);
    expect((await env.DB.prepare("SELECT day, total, humans, bots FROM scan_daily WHERE code_id = ?1 ORDER BY day").bind(code.id).all()).results).toEqual(rollupsBefore.results);
    expect((await archived(org.orgId)).flatMap((o) => o.rows).filter((row) => row.code_id === code.id).sort(byTimeAndId)).toEqual(rowsBefore);

    // The same files, now stitched from R2 (40 and 45 days ago) and D1 (the rest).
    expect((await call("GET", path, { key: org.readKey })).text).toBe(csvBefore);
    expect((await call("GET", `${path}&format=jsonl`, { key: org.readKey })).text).toBe(jsonlBefore);
    // Humans only, and a period inside the archive.
    expect(jsonLines((await call("GET", `/qr_codes/${code.id}/scans/export?format=jsonl`, { key: org.readKey })).text)).toHaveLength(4);
    const from = isoNow(new Date(day45 + 1000));
    const to = isoNow(new Date(day40 + 5000));
    const period = jsonLines((await call("GET", `/qr_codes/${code.id}/scans/export?format=jsonl&bots=include&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { key: org.readKey })).text);
    expect(period.map((line) => line.id)).toEqual([old[1]!.id, old[2]!.id]);

    // The organization's export: the deleted code's archived scan is no longer its own.
    const withGone = jsonLines((await call("GET", "/analytics/scans/export?format=jsonl&bots=include", { key: org.readKey })).text);
    expect(withGone.map((line) => line.id)).toContain(deletedOld.id);
    expect((await call("DELETE", `/qr_codes/${gone.id}`, { key: org.writeKey })).status).toBe(204);
    const orgLines = jsonLines((await call("GET", "/analytics/scans/export?format=jsonl&bots=include", { key: org.readKey })).text);
    expect(orgLines.map((line) => line.id)).toEqual(jsonLines(jsonlBefore).map((line) => line.id));
    // Another organization sees none of it.
    const stranger = await seedOrg();
    const foreign = await call("GET", path, { key: stranger.readKey });
    const missing = await call("GET", `/qr_codes/${"0".repeat(24)}/scans/export`, { key: stranger.readKey });
    expect([foreign.status, foreign.json.detail]).toEqual([missing.status, missing.json.detail]);
    expect(jsonLines((await call("GET", "/analytics/scans/export?format=jsonl&bots=include", { key: stranger.readKey })).text)).toEqual([]);
  });

  it("rows from before the archive began stay in D1 (until SCAN_RETENTION_DAYS) and are exported from there", async () => {
    const org = await seedOrg();
    const code = await createCode(org);
    const [template] = await scan(code, 1);
    const now = Date.now();
    const before = [at(template!, noonBefore(now, 40)), at(template!, noonBefore(now, 40) + 1000)];
    await consume(before);
    // The archive holds them, but as far as the cron knows it began 35 days ago: its first whole day is 34 days ago.
    await env.ARCHIVE.delete((await archived(org.orgId)).map((o) => o.key));
    await setServiceValue(env.DB, ARCHIVE_SINCE_KEY, isoNow(new Date(now - 35 * DAY)));
    await runCron(now);
    expect(await rawCount(code.id)).toBe(2);
    const lines = jsonLines((await call("GET", `/qr_codes/${code.id}/scans/export?format=jsonl`, { key: org.readKey })).text);
    expect(lines.map((line) => line.id)).toEqual(before.map((m) => m.id));
  });
});

describe("a deleted organization", () => {
  it("loses its archived scans with the rest of its data", async () => {
    const org = await seedOrg();
    const other = await seedOrg();
    const code = await createCode(org);
    const kept = await createCode(other);
    await consume([...(await scan(code, 3)), ...(await scan(kept, 2))]);
    expect(await archived(org.orgId)).not.toEqual([]);
    const res = await exports.default.fetch(new Request(`https://qr.test/admin/organizations/${org.orgId}`, { method: "DELETE", headers: { Authorization: "Bearer test-admin-token" } }));
    expect(res.status).toBe(202);
    for (let run = 0; run < 3 && (await archived(org.orgId)).length > 0; run++) await runCron(Date.now());
    expect(await archived(org.orgId)).toEqual([]);
    expect((await archived(other.orgId)).flatMap((o) => o.rows)).toHaveLength(2);
  });
});

describe("where an export reads each part of its period", () => {
  const range = (from: string, to: string, fromDay: string, toDay: string) => ({ from, to, fromDay, toDay });
  const archivedDays = { from: "2026-10-01", to: "2026-11-03" };

  it("reads D1 before the archive began, the archive for its days, and D1 for the window", () => {
    expect(visitSources(range("", "~", "", "~"), archivedDays)).toEqual([
      { from: "d1", range: range("", "2026-10-01T00:00:00+00:00", "", "~") },
      { from: "archive", days: Array.from({ length: 33 }, (_, i) => new Date(Date.parse("2026-10-01T00:00:00Z") + i * DAY).toISOString().slice(0, 10)) },
      { from: "d1", range: range("2026-11-03T00:00:00+00:00", "~", "", "~") },
    ]);
    const inside = range("2026-11-01T10:00:00+00:00", "2026-11-02T10:00:00+00:00", "2026-11-01", "2026-11-03");
    expect(visitSources(inside, archivedDays)).toEqual([{ from: "archive", days: ["2026-11-01", "2026-11-02"] }]);
    const recent = range("2026-11-03T00:00:00+00:00", "~", "2026-11-03", "~");
    expect(visitSources(recent, archivedDays)).toEqual([{ from: "d1", range: recent }]);
    expect(visitSources(recent, null)).toEqual([{ from: "d1", range: recent }]);
  });
});

describe("reading an archived day", () => {
  /** An archived event: only the fields the merge reads matter here. */
  const event = (id: string, second: number, orgId: string, day: string) =>
    ({ id, at: `${day}T00:${String(Math.floor(second / 60)).padStart(2, "0")}:${String(second % 60).padStart(2, "0")}+00:00`, codeId: "c", orgId, kind: "scan", bot: false, device: "mobile", visitor: "v" }) as never;

  it("merges overlapping objects into time order, drops an event archived twice, and streams without holding the day", async () => {
    const orgId = `merge-${crypto.randomUUID()}`;
    const day = "2026-10-01";
    const e = (id: string, second: number) => event(id, second, orgId, day);
    // Four consumer batches: A and B overlap in time and share a7 (a regrouped redelivery); D is a
    // late retry whose first event is early, so its object sorts second though it holds the last event.
    const batches = [
      Array.from({ length: 10 }, (_, i) => e(`a${i + 1}`, i + 1)),
      [...Array.from({ length: 10 }, (_, i) => e(`b${i + 5}`, i + 5)), e("a7", 7)],
      Array.from({ length: 6 }, (_, i) => e(`c${i + 20}`, i + 20)),
      [e("d2", 2), e("d30", 30)],
    ];
    for (const batch of batches) await archiveEvents(env.ARCHIVE, batch);
    const pages: { at: string; id: string }[][] = [];
    for await (const page of archivedDayRows(env.ARCHIVE, orgId, day, () => true, 4)) pages.push(page.map((row) => ({ at: row.at as string, id: row.id as string })));
    const rows = pages.flat();
    const expected = batches
      .flat()
      .map((x) => ({ at: (x as { at: string }).at, id: (x as { id: string }).id }))
      .filter((x, i, all) => all.findIndex((y) => y.id === x.id) === i)
      .sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : x.id < y.id ? -1 : 1));
    expect(rows).toEqual(expected);
    expect(rows.filter((row) => row.id === "a7")).toHaveLength(1);
    expect(pages.slice(0, -1).every((page) => page.length === 4)).toBe(true);

    // Twenty objects a minute apart: the first page is out after two objects are read, not twenty.
    const busy = `busy-${crypto.randomUUID()}`;
    for (let k = 0; k < 20; k++) await archiveEvents(env.ARCHIVE, Array.from({ length: 5 }, (_, i) => event(`k${k}-${i}`, k * 60 + i, busy, day)));
    const get = vi.spyOn(env.ARCHIVE, "get");
    const stream = archivedDayRows(env.ARCHIVE, busy, day, () => true, 5);
    const first = await stream.next();
    expect(first.value).toHaveLength(5);
    expect(get.mock.calls.length).toBeLessThanOrEqual(2);
    let total = 5;
    for await (const page of stream) total += page.length;
    expect(total).toBe(100);
    expect(get).toHaveBeenCalledTimes(20);
  });
});
