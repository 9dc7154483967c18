import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jobs } from "../../src/cron";
import worker from "../../src/index";
import { orphanGraceHours } from "../../src/cron/orphans";
import { purgeExpiredConsoleSessions, purgeSpentSignInLinks, SIGN_IN_ROWS_PER_RUN } from "../../src/cron/console-sign-in";
import { claimFiles, deleteOrphanedFilesPage } from "../../src/db/files";
import { getServiceValue } from "../../src/db/service-meta";
import { isoNow } from "../../src/lib/time";
import { PDF_FIXTURE } from "../support/media-fixtures";
import { call, seedOrg } from "./qr-support";
import { request, seedPerson, signedIn } from "./session-support";

afterEach(() => vi.restoreAllMocks());

const DAY = 86_400_000;

async function runCron(scheduledTime: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime, cron: "*/10 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function insertEvent(codeId: string, orgId: string, at: Date, visitor: string, bot = 0) {
  const iso = at.toISOString().replace(/\.\d{3}Z$/, "+00:00");
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO scan_events (id, batch_id, code_id, org_id, kind, at, day, device, bot, visitor) VALUES (?1, 'b', ?2, ?3, 'scan', ?4, ?5, 'mobile', ?6, ?7)",
    ).bind(crypto.randomUUID(), codeId, orgId, iso, iso.slice(0, 10), bot, visitor),
    env.DB.prepare("INSERT OR IGNORE INTO scan_daily_visitors (code_id, kind, day, visitor) VALUES (?1, 'scan', ?2, ?3)").bind(codeId, iso.slice(0, 10), visitor),
    env.DB.prepare(
      "INSERT INTO scan_daily (code_id, kind, day, total, humans, bots) VALUES (?1, 'scan', ?2, 1, 1 - ?3, ?3) ON CONFLICT (code_id, kind, day) DO UPDATE SET total = total + 1",
    ).bind(codeId, iso.slice(0, 10), bot),
  ]);
}

async function upload(key: string, purpose: string, fileName: string, bytes: Uint8Array) {
  const form = new FormData();
  form.append("purpose", purpose);
  form.append("file", new File([bytes], fileName));
  const res = await exports.default.fetch(new Request("https://qr.test/files", { method: "POST", headers: { Authorization: `Bearer ${key}` }, body: form }));
  expect(res.status).toBe(201);
  return res.json<{ id: string }>();
}

describe("scheduled cleanup", () => {
  it("deletes raw scans past retention and keeps the rollups, with unique counts frozen", async () => {
    const org = await seedOrg();
    const code = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "n", content: { url: "https://example.com" } } })).json;
    const now = Date.now();
    await insertEvent(code.id, org.orgId, new Date(now - 400 * DAY), "a".repeat(32));
    await insertEvent(code.id, org.orgId, new Date(now - 400 * DAY), "b".repeat(32));
    await insertEvent(code.id, org.orgId, new Date(now - 10 * DAY), "a".repeat(32));
    await runCron(now);
    const events = await env.DB.prepare("SELECT COUNT(*) AS n FROM scan_events WHERE code_id = ?1").bind(code.id).first("n");
    expect(events).toBe(1);
    const old = await env.DB.prepare("SELECT total, uniques FROM scan_daily WHERE code_id = ?1 ORDER BY day").bind(code.id).all();
    expect(old.results).toEqual([
      { total: 2, uniques: 2 },
      { total: 1, uniques: null },
    ]);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM scan_daily_visitors WHERE code_id = ?1").bind(code.id).first("n")).toBe(1);
    // Idempotent: a second run finds nothing more to do.
    await runCron(now);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM scan_events WHERE code_id = ?1").bind(code.id).first("n")).toBe(1);
  });

  it("honours SCAN_RETENTION_DAYS", async () => {
    const org = await seedOrg();
    const code = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "n", content: { url: "https://example.com" } } })).json;
    await insertEvent(code.id, org.orgId, new Date(Date.now() - 40 * DAY), "c".repeat(32));
    const configurable = env as unknown as { SCAN_RETENTION_DAYS: string };
    const previous = configurable.SCAN_RETENTION_DAYS;
    configurable.SCAN_RETENTION_DAYS = "30";
    try {
      await runCron(Date.now());
    } finally {
      configurable.SCAN_RETENTION_DAYS = previous;
    }
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM scan_events WHERE code_id = ?1").bind(code.id).first("n")).toBe(0);
  });

  it("deletes visitor salts older than yesterday", async () => {
    await env.DB.prepare("INSERT OR REPLACE INTO visitor_salts (day, salt) VALUES ('2020-01-01', 'x'), (?1, 'y')").bind(new Date().toISOString().slice(0, 10)).run();
    await runCron(Date.now());
    const days = (await env.DB.prepare("SELECT day FROM visitor_salts").all<{ day: string }>()).results.map((r) => r.day);
    expect(days).not.toContain("2020-01-01");
    expect(days).toContain(new Date().toISOString().slice(0, 10));
  });

  it("deletes uploads no code refers to after the grace period, and keeps referenced ones", async () => {
    const org = await seedOrg();
    const orphan = await upload(org.writeKey, "file", "old.pdf", PDF_FIXTURE);
    const used = await upload(org.writeKey, "file", "menu.pdf", PDF_FIXTURE);
    await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "menu", type: "file", content: { fileName: used.id } } });
    await runCron(Date.now());
    expect((await exports.default.fetch(`https://qr.test/files/${orphan.id}`)).status).toBe(200);
    await runCron(Date.now() + 25 * 3_600_000);
    expect((await exports.default.fetch(`https://qr.test/files/${orphan.id}`)).status).toBe(404);
    expect(await env.FILES.list({ prefix: `files/${org.orgId}/${orphan.id}` }).then((l) => l.objects.length)).toBe(0);
    expect((await exports.default.fetch(`https://qr.test/files/${used.id}`)).status).toBe(200);
  });

  it("rewrites KV records whose version is not D1's", async () => {
    const org = await seedOrg();
    const code = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "n", content: { url: "https://example.com/new" } } })).json;
    const token = code.metadata.shortToken;
    // An older write that landed last: the right key, an old target and version.
    await env.LINKS.put(token, JSON.stringify({ type: "url", target: "https://example.com/old", codeId: code.id, orgId: org.orgId, updatedAt: "", version: 0 }), { metadata: { version: 0 } });
    for (let i = 0; i < 3; i++) await runCron(Date.now());
    expect(await env.LINKS.get(token, "json")).toMatchObject({ target: "https://example.com/new", version: 1 });
    expect((await env.LINKS.getWithMetadata(token)).metadata).toEqual({ version: 1 });
  });

  it("never deletes an upload a code refers to, even once the write's claim is long past", async () => {
    const org = await seedOrg();
    const file = await upload(org.writeKey, "file", "menu.pdf", PDF_FIXTURE);
    const orphan = await upload(org.writeKey, "file", "old.pdf", PDF_FIXTURE);
    expect((await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "menu", type: "file", content: { fileName: file.id } } })).status).toBe(201);
    // A cutoff two days ahead: neither upload nor claim protects anything, only the reference does.
    const later = isoNow(new Date(Date.now() + 48 * 3_600_000));
    const { r2Keys } = await deleteOrphanedFilesPage(env.DB, null, later, 1000);
    expect(r2Keys).toContain(`files/${org.orgId}/${orphan.id}`);
    expect(r2Keys).not.toContain(`files/${org.orgId}/${file.id}`);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM files WHERE id = ?1").bind(file.id).first("n")).toBe(1);
  });

  it("spares an upload a write claimed within the grace period, and keeps at least an hour of grace", async () => {
    const org = await seedOrg();
    const file = await upload(org.writeKey, "file", "menu.pdf", PDF_FIXTURE);
    await claimFiles(env.DB, org.orgId, [file.id], isoNow(new Date(Date.now() + 20 * 3_600_000)));
    await runCron(Date.now() + 25 * 3_600_000);
    expect((await exports.default.fetch(`https://qr.test/files/${file.id}`)).status).toBe(200);
    expect(orphanGraceHours({ ORPHAN_UPLOAD_GRACE_HOURS: "" } as unknown as Env)).toBe(24);
    expect(orphanGraceHours({ ORPHAN_UPLOAD_GRACE_HOURS: "0" } as unknown as Env)).toBe(1);
    expect(orphanGraceHours({ ORPHAN_UPLOAD_GRACE_HOURS: "72" } as unknown as Env)).toBe(72);
    expect(orphanGraceHours({ ORPHAN_UPLOAD_GRACE_HOURS: "soon" } as unknown as Env)).toBe(24);
  });

  it("removes KV records whose code is gone, and only those", async () => {
    const org = await seedOrg();
    const code = (await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "n", content: { url: "https://example.com" } } })).json;
    await env.LINKS.put("Gh0stTok", JSON.stringify({ type: "url", target: "https://stale.example", codeId: "x", orgId: "y", updatedAt: "" }));
    // Enough runs to walk the whole namespace from wherever an earlier test left the cursor.
    for (let i = 0; i < 3; i++) await runCron(Date.now());
    expect(await env.LINKS.get("Gh0stTok")).toBeNull();
    expect(await env.LINKS.get(code.metadata.shortToken)).not.toBeNull();
  });

  it("drops cached renders untouched for 30 days, a page per run across the whole prefix", async () => {
    await env.FILES.put("renders/test-stale.png", new Uint8Array([1]));
    await runCron(Date.now());
    expect(await env.FILES.head("renders/test-stale.png")).not.toBeNull();
    await runCron(Date.now() + 31 * DAY);
    expect(await env.FILES.head("renders/test-stale.png")).toBeNull();
  });

  it("resumes the render sweep where the last run stopped", async () => {
    const keys = Array.from({ length: 1005 }, (_, i) => `renders/zz-${String(i).padStart(4, "0")}.png`);
    for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((key) => env.FILES.put(key, new Uint8Array([1]))));
    // One run handles one page and remembers where it stopped; the next run carries on from there.
    await runCron(Date.now() + 31 * DAY);
    expect(await getServiceValue(env.DB, "renders_sweep_cursor")).not.toBeNull();
    for (let run = 0; run < 3; run++) await runCron(Date.now() + 31 * DAY);
    expect((await env.FILES.list({ prefix: "renders/zz-" })).objects).toHaveLength(0);
  });

  it("logs one structured line per job", async () => {
    const log = vi.spyOn(console, "log");
    await runCron(Date.now());
    const lines = log.mock.calls.map(([line]) => JSON.parse(String(line)) as { job: string; result: number });
    expect(lines.map((l) => l.job).sort()).toEqual(Object.keys(jobs).sort());
    expect(Object.keys(jobs)).toEqual(
      expect.arrayContaining(["expireIdempotencyKeys", "purgeOldScans", "verifyRedirects", "purgeOrphanUploads", "purgeStaleRenders", "purgeVisitorSalts", "repairRedirects", "purgeExpiredConsoleSessions", "purgeSpentSignInLinks"]),
    );
    for (const line of lines) expect(line.result).toBeGreaterThanOrEqual(0);
  });
});

describe("scheduled cleanup: console sign-in", () => {
  const insertSession = (userId: string, expiresAt: string) =>
    env.DB.prepare("INSERT INTO console_sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)").bind(crypto.randomUUID(), userId, "2000-01-01T00:00:00+00:00", expiresAt).run();
  const insertLink = (userId: string, tokenHash: string, expiresAt: string, usedAt: string | null) =>
    env.DB.prepare("INSERT INTO sign_in_links (token_hash, user_id, purpose, created_at, expires_at, used_at) VALUES (?1, ?2, 'reset', ?3, ?4, ?5)")
      .bind(tokenHash, userId, "2000-01-01T00:00:00+00:00", expiresAt, usedAt)
      .run();
  const count = (table: string, userId: string) => env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE user_id = ?1`).bind(userId).first<number>("n");

  it("deletes expired console sessions and used or expired sign-in links, and keeps live ones", async () => {
    const person = await signedIn();
    const now = Date.now();
    await insertSession(person.userId, isoNow(new Date(now - 1000)));
    await insertLink(person.userId, "used", isoNow(new Date(now + DAY)), isoNow(new Date(now - 1000)));
    await insertLink(person.userId, "expired", isoNow(new Date(now - 1000)), null);
    await insertLink(person.userId, "live", isoNow(new Date(now + DAY)), null);
    expect(await count("console_sessions", person.userId)).toBe(2);
    await runCron(now);
    expect(await count("console_sessions", person.userId)).toBe(1);
    const links = await env.DB.prepare("SELECT token_hash FROM sign_in_links WHERE user_id = ?1").bind(person.userId).all<{ token_hash: string }>();
    expect(links.results.map((row) => row.token_hash)).toEqual(["live"]);
    // The live session is the one the sign-in opened, and it still works.
    expect((await request("GET", "/session", { cookie: person.cookie })).status).toBe(200);
  });

  it("deletes a bounded page per run; the next runs take the rest", async () => {
    const person = await seedPerson();
    // Long before anything another test wrote, so the page holds only these rows.
    const then = new Date("2000-02-01T00:00:00Z");
    for (let i = 0; i < 5; i++) {
      await insertSession(person.userId, `2000-01-0${i + 1}T00:00:00+00:00`);
      await insertLink(person.userId, `old-${i}`, `2000-01-0${i + 1}T00:00:00+00:00`, null);
    }
    expect(await purgeExpiredConsoleSessions(env, then, 2)).toBe(2);
    expect(await purgeSpentSignInLinks(env, then, 2)).toBe(2);
    expect(await count("console_sessions", person.userId)).toBe(3);
    expect(await count("sign_in_links", person.userId)).toBe(3);
    expect(await purgeExpiredConsoleSessions(env, then, 2)).toBe(2);
    expect(await purgeExpiredConsoleSessions(env, then, 2)).toBe(1);
    expect(await purgeSpentSignInLinks(env, then, 10)).toBe(3);
    expect(await count("console_sessions", person.userId)).toBe(0);
    expect(await count("sign_in_links", person.userId)).toBe(0);
    expect(SIGN_IN_ROWS_PER_RUN).toBeLessThanOrEqual(5_000);
  });
});
