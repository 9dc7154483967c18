import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CODES_PER_BACKFILL_RUN, FILES_PER_RUN, purgeOrphanUploads } from "../../src/cron/orphans";
import { claimFiles } from "../../src/db/files";
import { deleteOrganization } from "../../src/db/organizations";
import { insertCodeStatements, replaceCodeStatements } from "../../src/db/qr-codes";
import { referencedFileIds } from "../../src/codes/catalog";
import type { QrCodeRecord } from "../../src/codes/record";
import { getServiceValue, setServiceValue } from "../../src/db/service-meta";
import { isoNow } from "../../src/lib/time";
import { DEFAULT_APPEARANCE } from "../../src/qr";
import { PDF_FIXTURE } from "../support/media-fixtures";
import { RING_LOGO_96 } from "../support/png-fixtures";
import { call, seedOrg } from "./qr-support";

// The orphan-upload cleanup at scale: one run costs a bounded number of statements and rows read
// (D1's own rows_read) whatever the number of files and codes, and repeated runs purge exactly the
// uploads no code refers to. Tests in this file share one database, so each resets the cleanup's
// cursors and asserts only about its own organization's files.

const HOUR = 3_600_000;
const FILES_CURSOR = "orphan_files_cursor";
const BACKFILL_CURSOR = "file_references_backfill_after";
/** Long uploaded, never claimed: past any grace period. */
const LONG_AGO = "2020-01-01T00:00:00+00:00";

const LOGO = RING_LOGO_96;

/** An env whose DB counts the statements prepared and the rows D1 reports reading. */
function metered() {
  const stats = { statements: 0, rowsRead: 0 };
  const db = env.DB;
  const targets = new WeakMap<object, D1PreparedStatement>();
  const count = (result: D1Result) => (stats.rowsRead += result.meta.rows_read ?? 0);
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, prop) {
        if (prop === "bind") return (...values: unknown[]) => wrap(target.bind(...values));
        if (prop === "all" || prop === "run")
          return async () => {
            const result = await target.all();
            count(result);
            return result;
          };
        // first() reports no meta: read through all() so its rows are counted too.
        if (prop === "first")
          return async (column?: string) => {
            const result = await target.all<Record<string, unknown>>();
            count(result);
            const row = result.results[0];
            return row === undefined ? null : column === undefined ? row : row[column];
          };
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    targets.set(proxy, statement);
    return proxy;
  };
  const DB = {
    prepare: (sql: string) => {
      stats.statements++;
      return wrap(db.prepare(sql));
    },
    batch: async (statements: D1PreparedStatement[]) => {
      const results = await db.batch(statements.map((s) => targets.get(s) ?? s));
      for (const result of results) count(result);
      return results;
    },
  } as unknown as D1Database;
  return { env: Object.create(env, { DB: { value: DB } }) as Env, stats };
}

/** 24-hex ids unique to this call. */
const fileIds = (n: number) => {
  const prefix = crypto.getRandomValues(new Uint8Array(4)).reduce((s, b) => s + b.toString(16).padStart(2, "0"), "");
  return Array.from({ length: n }, (_, i) => prefix + i.toString(16).padStart(16, "0"));
};

/** Rows as an upload writes them, in batched INSERTs of 2,000 (R2 objects are not needed to delete rows). */
async function seedFiles(orgId: string, ids: string[], createdAt: string) {
  for (let i = 0; i < ids.length; i += 2000)
    await env.DB.prepare(
      `INSERT INTO files (id, org_id, purpose, file_name, media_type, size, sha256, r2_key, created_at)
       SELECT value, ?1, 'file', 'f.pdf', 'application/pdf', 1, 'x', 'files/' || ?1 || '/' || value, ?2 FROM json_each(?3)`,
    )
      .bind(orgId, createdAt, JSON.stringify(ids.slice(i, i + 2000)))
      .run();
}

const codeId = (i: number) => `${Date.now().toString(16).padStart(12, "0")}${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(16).padStart(8, "0")}${i.toString(16).padStart(4, "0")}`;

function linksCode(orgId: string, id: string, images: string[], logoFileId: string | null): QrCodeRecord {
  return {
    id,
    orgId,
    name: "links",
    type: "links",
    content: { links: images.map((image, i) => ({ url: `https://example.com/${i}`, name: `l${i}`, image })) },
    appearance: DEFAULT_APPEARANCE,
    tags: [],
    limits: null,
    routing: null,
    utm: null,
    passwordHash: null,
    health: null,
    logoFileId,
    shortToken: null,
    createdBy: "test",
    version: 1,
    scans: 0,
    views: 0,
    clicks: 0,
    createdAt: LONG_AGO,
    updatedAt: LONG_AGO,
  };
}

/** Codes through the write path's own statements (code and references in one batch each). */
async function seedCodes(codes: QrCodeRecord[]) {
  for (let i = 0; i < codes.length; i += 200) await env.DB.batch(codes.slice(i, i + 200).flatMap((code) => insertCodeStatements(env.DB, code, referencedFileIds(code))));
}

async function resetCursors() {
  await setServiceValue(env.DB, FILES_CURSOR, null);
  await setServiceValue(env.DB, BACKFILL_CURSOR, null);
}

/** Runs the job until its walk has covered every file once (the cursor is back at the start). */
async function runWholeWalk(at: number, maxRuns: number): Promise<number> {
  for (let run = 1; run <= maxRuns; run++) {
    await purgeOrphanUploads(env, new Date(at));
    if ((await getServiceValue(env.DB, FILES_CURSOR)) === null && (await getServiceValue(env.DB, BACKFILL_CURSOR)) === null) return run;
  }
  throw new Error(`the walk did not finish in ${maxRuns} runs`);
}

const remaining = async (orgId: string): Promise<Set<string>> =>
  new Set((await env.DB.prepare("SELECT id FROM files WHERE org_id = ?1").bind(orgId).all<{ id: string }>()).results.map((r) => r.id));

async function upload(key: string, purpose: string, fileName: string, bytes: Uint8Array): Promise<{ id: string; url: string }> {
  const form = new FormData();
  form.append("purpose", purpose);
  form.append("file", new File([bytes], fileName));
  const res = await exports.default.fetch(new Request("https://qr.test/files", { method: "POST", headers: { Authorization: `Bearer ${key}` }, body: form }));
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

const fileStatus = async (id: string) => (await exports.default.fetch(`https://qr.test/files/${id}`)).status;

describe("orphan-upload cleanup at scale", () => {
  it("one run over 10,000 files and 2,500 codes costs a bounded page; repeated runs purge exactly the unreferenced old files", async () => {
    await resetCursors();
    const org = await seedOrg();
    const ids = fileIds(10_000);
    await seedFiles(org.orgId, ids, LONG_AGO);
    // Code k refers to files 4k and 4k+1 as link images and to 4k+2 as its logo; 4k+3 is an orphan.
    await seedCodes(Array.from({ length: 2_500 }, (_, k) => linksCode(org.orgId, codeId(k), [ids[4 * k]!, ids[4 * k + 1]!], ids[4 * k + 2]!)));
    const referenced = ids.filter((_, i) => i % 4 !== 3);
    const orphans = ids.filter((_, i) => i % 4 === 3);
    // Unreferenced but spared: uploaded recently, and long ago but claimed by a write just now.
    const [fresh, claimed] = fileIds(2);
    await seedFiles(org.orgId, [fresh!], isoNow());
    await seedFiles(org.orgId, [claimed!], LONG_AGO);
    await claimFiles(env.DB, org.orgId, [claimed!], isoNow());

    const first = metered();
    const purged = await purgeOrphanUploads(first.env, new Date());
    // One page: about a quarter of the first FILES_PER_RUN files are orphans.
    expect(purged).toBeGreaterThan(0);
    expect(purged).toBeLessThanOrEqual(FILES_PER_RUN / 4);
    expect(first.stats.statements).toBeLessThanOrEqual(6);
    // The page's index range twice (its end, then the delete's subquery), each file's row, one
    // probe of file_references, the deleted rows' index entries: about five reads per examined
    // file (5,248 when measured), never files × codes.
    expect(first.stats.rowsRead).toBeLessThanOrEqual(6 * FILES_PER_RUN);

    // The rest of the walk: a page per run.
    const runs = await runWholeWalk(Date.now(), 30);
    expect(runs).toBeLessThanOrEqual(Math.ceil(10_001 / FILES_PER_RUN));
    const left = await remaining(org.orgId);
    expect(orphans.filter((id) => left.has(id))).toEqual([]);
    expect(referenced.filter((id) => !left.has(id))).toEqual([]);
    expect(left.has(fresh!) && left.has(claimed!)).toBe(true);
    expect(left.size).toBe(referenced.length + 2);

    // Every later run costs the same bounded page, purging nothing more.
    const later = metered();
    expect(await purgeOrphanUploads(later.env, new Date())).toBe(0);
    expect(later.stats.statements).toBeLessThanOrEqual(6);
    expect(later.stats.rowsRead).toBeLessThanOrEqual(6 * FILES_PER_RUN);
  });

  it("a code written (created or replaced) protects the files it refers to; a deleted code releases them after the grace period", async () => {
    await resetCursors();
    const org = await seedOrg();
    const menu = await upload(org.writeKey, "file", "menu.pdf", PDF_FIXTURE);
    const card = await upload(org.writeKey, "file", "card.pdf", PDF_FIXTURE);
    const logo = await upload(org.writeKey, "logo", "logo.png", LOGO);
    const created = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "m", type: "file", content: { fileName: menu.id }, appearance: { uploadedImage: logo.id } } });
    expect(created.status, created.text).toBe(201);
    await runWholeWalk(Date.now() + 25 * HOUR, 30);
    expect([await fileStatus(menu.id), await fileStatus(logo.id), await fileStatus(card.id)]).toEqual([200, 200, 404]);

    // A replace points the code at another upload (and drops the logo): the old ones are released.
    const other = await upload(org.writeKey, "file", "other.pdf", PDF_FIXTURE);
    const replaced = await call("PUT", `/qr_codes/${created.json.id}`, { key: org.writeKey, body: { name: "m", type: "file", content: { fileName: other.id } } });
    expect(replaced.status, replaced.text).toBe(200);
    await runWholeWalk(Date.now() + 25 * HOUR, 30);
    expect([await fileStatus(menu.id), await fileStatus(logo.id), await fileStatus(other.id)]).toEqual([404, 404, 200]);
    expect(await env.FILES.head(`files/${org.orgId}/${menu.id}`)).toBeNull();

    // Deleted: its upload stays through the grace period since the write claimed it, then goes.
    expect((await call("DELETE", `/qr_codes/${created.json.id}`, { key: org.writeKey })).status).toBe(204);
    await runWholeWalk(Date.now(), 30);
    expect(await fileStatus(other.id)).toBe(200);
    await runWholeWalk(Date.now() + 25 * HOUR, 30);
    expect(await fileStatus(other.id)).toBe(404);
  });

  it("a replace that loses its version check leaves the code's references as they were", async () => {
    const org = await seedOrg();
    const [kept, proposed] = fileIds(2);
    const code = linksCode(org.orgId, codeId(0), [kept!], null);
    await seedCodes([code]);
    const staleCode = { ...linksCode(org.orgId, code.id, [proposed!], null), version: 1 };
    const stale = replaceCodeStatements(env.DB, staleCode, 7, referencedFileIds(staleCode));
    const results = await env.DB.batch(stale);
    expect(results.at(-1)!.results).toEqual([]);
    const rows = await env.DB.prepare("SELECT file_id FROM file_references WHERE code_id = ?1").bind(code.id).all<{ file_id: string }>();
    expect(rows.results.map((r) => r.file_id)).toEqual([kept]);
  });

  it("an organization's deletion removes its references with its codes", async () => {
    const org = await seedOrg();
    const [file] = fileIds(1);
    await seedFiles(org.orgId, [file!], LONG_AGO);
    await seedCodes([linksCode(org.orgId, codeId(0), [file!], null)]);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM file_references WHERE org_id = ?1").bind(org.orgId).first("n")).toBe(1);
    await deleteOrganization(env.DB, org.orgId);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM file_references WHERE org_id = ?1").bind(org.orgId).first("n")).toBe(0);
  });
});

describe("references of codes written before file_references existed", () => {
  /** A code row as the previous version wrote it: no file_references rows. */
  async function insertBareCode(orgId: string, id: string, type: string, content: unknown, logoFileId: string | null) {
    await env.DB.prepare(
      "INSERT INTO qr_codes (id, org_id, name, type, content, appearance, logo_file_id, created_at, updated_at) VALUES (?1, ?2, 'old', ?3, ?4, '{}', ?5, ?6, ?6)",
    )
      .bind(id, orgId, type, JSON.stringify(content), logoFileId, LONG_AGO)
      .run();
  }

  it("the migration derives them from the logo and every file id in the content", async () => {
    const org = await seedOrg();
    const [audio, image, linkImage, page, logo] = fileIds(5);
    const [a, b] = [codeId(1), codeId(2)];
    await insertBareCode(org.orgId, a, "audio", { fileName: audio, image, publicFilePath: page, name: "not-a-file-id" }, logo!);
    await insertBareCode(org.orgId, b, "links", { links: [{ url: "https://example.com", name: "x", image: linkImage }], image: "https://example.com/i.png" }, null);
    const migration = (env.TEST_MIGRATIONS as { name: string; queries: string[] }[]).find((m) => m.name.startsWith("0010"))!;
    const backfill = migration.queries.filter((q) => q.includes("INSERT OR IGNORE INTO file_references"));
    expect(backfill.length).toBeGreaterThan(0);
    for (const query of backfill) await env.DB.prepare(query).run();
    const rows = await env.DB.prepare("SELECT code_id, file_id FROM file_references WHERE org_id = ?1").bind(org.orgId).all<{ code_id: string; file_id: string }>();
    const pairs = (list: { code_id: string; file_id: string }[]) => list.map((r) => `${r.code_id} ${r.file_id}`).sort();
    // The URL and the name are no file ids; everything that is one is a reference.
    expect(pairs(rows.results)).toEqual(pairs([...[audio!, image!, page!, logo!].map((file_id) => ({ code_id: a, file_id })), { code_id: b, file_id: linkImage! }]));
  });

  it("after the upgrade the cleanup derives them again for every code, a bounded page per run, and deletes nothing until it is done", async () => {
    await resetCursors();
    const org = await seedOrg();
    // Written by the previous version after the migration ran: referenced, but with no rows.
    const [used, orphan] = fileIds(2);
    await seedFiles(org.orgId, [used!, orphan!], LONG_AGO);
    const bare = Array.from({ length: CODES_PER_BACKFILL_RUN + 500 }, (_, i) => codeId(i));
    await env.DB.prepare(
      `INSERT INTO qr_codes (id, org_id, name, type, content, appearance, created_at, updated_at)
       SELECT value, ?1, 'old', 'url', '{"url":"https://example.com"}', '{}', ?2, ?2 FROM json_each(?3)`,
    )
      .bind(org.orgId, LONG_AGO, JSON.stringify(bare.slice(1)))
      .run();
    await insertBareCode(org.orgId, bare[0]!, "file", { fileName: used }, null);
    await setServiceValue(env.DB, BACKFILL_CURSOR, "");

    const first = metered();
    expect(await purgeOrphanUploads(first.env, new Date())).toBe(0);
    expect(first.stats.statements).toBeLessThanOrEqual(6);
    // The page of codes (read twice, and once more for its end) and the nodes of their content: 13,002 when measured.
    expect(first.stats.rowsRead).toBeLessThanOrEqual(20 * CODES_PER_BACKFILL_RUN);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM files WHERE id = ?1").bind(orphan).first("n")).toBe(1);

    await runWholeWalk(Date.now(), 30);
    const left = await remaining(org.orgId);
    expect([left.has(used!), left.has(orphan!)]).toEqual([true, false]);
  });
});
