// `npm run bench -- --only archive [--json]`: what the raw-scan archive costs, per million scans.
// 100,000 scans go through the real queue consumer (src/analytics/consumer.ts) in batches of the
// scan queue's max_batch_size (wrangler.toml), against local D1 and R2 (wrangler's
// getPlatformProxy: workerd's own D1 and R2 in a fresh temporary directory, migrations applied
// with `wrangler d1 migrations apply --local`). Counted: D1 rows written (the batches' own
// rows_written), the rows each table holds afterwards, R2 objects, bytes and class A operations
// (every put), and D1's bytes per raw row and per scan (SQLite's dbstat on the local database
// file: each table and its indexes).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getPlatformProxy } from "wrangler";

// The consumer is Worker code, typed against workerd's globals (Env, D1Database, R2Bucket), which
// this Node-typed bench does not load: it is imported by a path the type checker does not follow,
// and the bindings are typed here by the little the bench itself calls.
type ConsumeVisits = (batch: unknown, env: unknown) => Promise<{ written: number; malformed: number }>;
const CONSUMER = "../src/analytics/consumer";
const loadConsumer = async () => ((await import(CONSUMER)) as { consumeVisits: ConsumeVisits }).consumeVisits;

interface Statement {
  bind(...values: unknown[]): Statement;
  first<T>(column: string): Promise<T | null>;
}
interface Db {
  prepare(sql: string): Statement;
  batch(statements: Statement[]): Promise<{ meta: { rows_written?: number } }[]>;
}
interface Bucket {
  put(key: string, value: ArrayBuffer, options?: unknown): Promise<unknown>;
  list(options: { prefix: string }): Promise<{ objects: unknown[]; truncated: boolean }>;
}
type Bindings = { DB: Db; ARCHIVE: Bucket } & Record<string, unknown>;

/** The edge's message (src/analytics/event.ts VisitMessage), as far as the bench builds it. */
type VisitMessage = Record<string, unknown> & { codeId: string; orgId: string };

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const SCANS = 100_000;
const PER_MILLION = 1_000_000 / SCANS;

/** The scan queue consumer's max_batch_size, as wrangler.toml sets it. */
function maxBatchSize(): number {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  // The consumer blocks (the text before the first is the producers'), each up to the next table.
  const block = toml
    .split("[[queues.consumers]]")
    .slice(1)
    .map((part) => part.split("\n[")[0]!)
    .find((part) => /queue = "edge-qr-scans"\s*\n/.test(part));
  const size = Number(/max_batch_size = (\d+)/.exec(block ?? "")?.[1]);
  if (!Number.isInteger(size)) throw new Error("wrangler.toml: no max_batch_size for edge-qr-scans");
  return size;
}

/** A small deterministic generator, so every run measures the same workload. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An index in [0, n) drawn with Zipf-like skew: a few codes (and visitors) take most scans. */
const skewed = (next: () => number, n: number) => Math.min(n - 1, Math.floor(n * next() ** 3));

export interface ArchiveWorkload {
  scans: number;
  batchSize: number;
  organizations: number;
  codes: number;
  visitors: number;
  scansPerSecond: number;
}

export interface ArchiveCost {
  workload: ArchiveWorkload;
  seconds: number;
  perMillion: {
    d1RowsWritten: number;
    rawRows: number;
    rollupRows: { scanDaily: number; dimensions: number; visitors: number };
    r2Objects: number;
    r2Bytes: number;
    r2ClassA: number;
  };
  eventsPerObject: number;
  r2BytesPerScan: number;
  /** scan_events and its indexes. */
  d1BytesPerRawRow: number;
  /** Every analytics table (raw rows, rollups, visitors, salts) and its indexes, per scan. */
  d1BytesPerScan: number;
  /** The uncompressed NDJSON against what R2 stores. */
  compressionRatio: number;
}

/** The workload: organizations share scans 60/20/10/7/3 %, codes and visitors skewed, 5 % bots. */
function workload(): { orgs: string[]; codes: { id: string; orgId: string }[]; messages: VisitMessage[]; spec: ArchiveWorkload } {
  const next = random(18_06);
  const orgs = Array.from({ length: 5 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
  const shares = [0.6, 0.2, 0.1, 0.07, 0.03];
  const codesPerOrg = [120, 40, 20, 14, 6];
  const codes = orgs.flatMap((orgId, o) => Array.from({ length: codesPerOrg[o]! }, (_, i) => ({ id: `${String(o).padStart(12, "0")}${String(i).padStart(12, "0")}`, orgId })));
  const visitors = 40_000;
  const countries = ["US", "DE", "FR", "GB", "ES", "IT", "NL", "JP", "BR", "IN"];
  const agents = [
    { device: "mobile", os: "iOS", browser: "Mobile Safari" },
    { device: "mobile", os: "Android", browser: "Chrome Mobile" },
    { device: "desktop", os: "Windows", browser: "Chrome" },
    { device: "desktop", os: "macOS", browser: "Safari" },
  ];
  // 1,000 scans a second (the load): a batch of 100 holds a tenth of a second.
  const scansPerSecond = 1000;
  const start = Date.parse("2026-11-20T09:00:00Z");
  const messages: VisitMessage[] = [];
  for (let i = 0; i < SCANS; i++) {
    let pick = next();
    let o = 0;
    while (o < shares.length - 1 && pick >= shares[o]!) pick -= shares[o++]!;
    const own = codes.filter((code) => code.orgId === orgs[o]);
    const code = own[skewed(next, own.length)]!;
    const bot = next() < 0.05;
    const agent = agents[Math.floor(next() * agents.length)]!;
    const country = countries[skewed(next, countries.length)]!;
    messages.push({
      id: crypto.randomUUID(),
      at: new Date(start + Math.floor((i * 1000) / scansPerSecond)).toISOString().replace(/\.\d{3}Z$/, "+00:00"),
      codeId: code.id,
      orgId: code.orgId,
      kind: "scan",
      country,
      region: null,
      city: null,
      device: bot ? "bot" : agent.device,
      os: bot ? null : agent.os,
      browser: bot ? null : agent.browser,
      referrerHost: next() < 0.1 ? "l.instagram.com" : null,
      bot,
      botReason: bot ? "isbot" : null,
      visitorKey: String(skewed(next, visitors)).padStart(32, "0"),
      outcome: "target",
      rule: null,
      variant: null,
    });
  }
  return { orgs, codes, messages, spec: { scans: SCANS, batchSize: maxBatchSize(), organizations: orgs.length, codes: codes.length, visitors, scansPerSecond } };
}

const ANALYTICS_TABLES = ["scan_events", "scan_daily", "scan_daily_dimensions", "scan_daily_visitors", "visitor_salts"] as const;

/** Bytes each analytics table holds with its indexes, in the local D1 database under `state`. */
function d1TableBytes(state: string): Record<(typeof ANALYTICS_TABLES)[number], number> {
  const dir = join(state, "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite");
  if (!file) throw new Error(`no D1 database file in ${dir}`);
  const db = new DatabaseSync(join(dir, file), { readOnly: true });
  try {
    const sizes = {} as Record<(typeof ANALYTICS_TABLES)[number], number>;
    for (const table of ANALYTICS_TABLES) {
      const row = db
        .prepare("SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name = ?1 OR name IN (SELECT name FROM sqlite_master WHERE tbl_name = ?1 AND type = 'index')")
        .get(table) as { bytes: number | null };
      sizes[table] = row.bytes ?? 0;
    }
    return sizes;
  } finally {
    db.close();
  }
}

export async function archiveCostBench(progress: (line: string) => void): Promise<ArchiveCost> {
  const state = mkdtempSync(join(tmpdir(), "edge-qr-archive-bench-"));
  try {
    progress("archive: applying migrations to a fresh local D1");
    const migrate = spawnSync(process.execPath, [WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--persist-to", state], { cwd: ROOT, encoding: "utf8", env: { ...process.env, CI: "1" } });
    if (migrate.status !== 0) throw new Error(`wrangler d1 migrations apply failed:\n${migrate.stderr}${migrate.stdout}`);
    let result: ArchiveCost;
    const proxy = await getPlatformProxy<Bindings>({ configPath: join(ROOT, "wrangler.toml"), persist: { path: join(state, "v3") } });
    try {
      const { orgs, codes, messages, spec } = workload();
      const env = proxy.env;
      const now = "2026-11-20T00:00:00+00:00";
      await env.DB.batch([
        ...orgs.map((id) => env.DB.prepare("INSERT INTO organizations (id, name, created_at) VALUES (?1, ?1, ?2)").bind(id, now)),
        ...codes.map((code) =>
          env.DB.prepare("INSERT INTO qr_codes (id, org_id, name, type, content, appearance, short_token, created_at, updated_at) VALUES (?1, ?2, 'bench', 'url', '{}', '{}', ?1, ?3, ?3)").bind(code.id, code.orgId, now),
        ),
      ]);

      // Count what the consumer writes, through thin wrappers of the real bindings.
      let rowsWritten = 0;
      const db = new Proxy(env.DB, {
        get(target, property) {
          if (property === "batch")
            return async (statements: Statement[]) => {
              const results = await target.batch(statements);
              for (const result of results) rowsWritten += result.meta.rows_written ?? 0;
              return results;
            };
          const value = Reflect.get(target, property);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      let puts = 0;
      let bytes = 0;
      let ndjsonBytes = 0;
      const archive = new Proxy(env.ARCHIVE, {
        get(target, property) {
          if (property === "put")
            return async (key: string, value: ArrayBuffer, options?: unknown) => {
              puts++;
              bytes += value.byteLength;
              ndjsonBytes += await new Response(new Blob([value]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer().then((b) => b.byteLength);
              return target.put(key, value, options);
            };
          const value = Reflect.get(target, property);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const consumerEnv = { ...env, DB: db, ARCHIVE: archive };
      const consumeVisits = await loadConsumer();

      const started = performance.now();
      let retried = 0;
      for (let from = 0; from < messages.length; from += spec.batchSize) {
        const bodies = messages.slice(from, from + spec.batchSize);
        const batch = {
          queue: "edge-qr-scans",
          messages: bodies.map((body, i) => ({ id: `m${from + i}`, timestamp: new Date(), attempts: 1, body, ack() {}, retry() {
            retried++;
          } })),
          ackAll() {},
          retryAll() {},
        };
        await consumeVisits(batch, consumerEnv);
        if (from % 20_000 === 0) progress(`archive: ${from.toLocaleString("en")} of ${messages.length.toLocaleString("en")} scans consumed`);
      }
      const seconds = (performance.now() - started) / 1000;
      if (retried > 0) throw new Error(`${retried} messages were retried: the consumer failed`);

      const count = async (table: string) => (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<number>("n"))!;
      const raw = await count("scan_events");
      if (raw !== SCANS) throw new Error(`scan_events holds ${raw} rows, not ${SCANS}`);
      const listed = await env.ARCHIVE.list({ prefix: "scans/v1/" });
      const objects = listed.objects.length + (listed.truncated ? 1 : 0);
      if (puts === 0 || objects === 0) throw new Error("nothing was archived");
      result = {
        workload: spec,
        seconds,
        perMillion: {
          d1RowsWritten: rowsWritten * PER_MILLION,
          rawRows: raw * PER_MILLION,
          rollupRows: {
            scanDaily: (await count("scan_daily")) * PER_MILLION,
            dimensions: (await count("scan_daily_dimensions")) * PER_MILLION,
            visitors: (await count("scan_daily_visitors")) * PER_MILLION,
          },
          r2Objects: puts * PER_MILLION,
          r2Bytes: bytes * PER_MILLION,
          r2ClassA: puts * PER_MILLION,
        },
        eventsPerObject: SCANS / puts,
        r2BytesPerScan: bytes / SCANS,
        d1BytesPerRawRow: 0,
        d1BytesPerScan: 0,
        compressionRatio: ndjsonBytes / bytes,
      };
    } finally {
      await proxy.dispose();
    }
    // D1's bytes, in SQLite's own page accounting (dbstat, which workerd's D1 does not expose):
    // the local database file, opened once the Worker's runtime has let go of it.
    const sizes = d1TableBytes(state);
    result.d1BytesPerRawRow = sizes.scan_events / SCANS;
    result.d1BytesPerScan = Object.values(sizes).reduce((a, b) => a + b, 0) / SCANS;
    return result;
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

export function printArchiveCost(cost: ArchiveCost): void {
  const w = cost.workload;
  const m = cost.perMillion;
  const n = (value: number) => Math.round(value).toLocaleString("en");
  console.log(`Raw-scan archive: ${n(w.scans)} scans through the consumer in batches of ${w.batchSize} (${w.organizations} organizations, ${w.codes} codes, ${n(w.visitors)} visitors, ${w.scansPerSecond}/s), ${cost.seconds.toFixed(1)} s`);
  console.log("Per million scans:");
  console.log(`  D1 rows written      ${n(m.d1RowsWritten)}  (rows held: raw ${n(m.rawRows)}, scan_daily ${n(m.rollupRows.scanDaily)}, dimensions ${n(m.rollupRows.dimensions)}, visitors ${n(m.rollupRows.visitors)})`);
  console.log(`  R2 objects           ${n(m.r2Objects)}  (${cost.eventsPerObject.toFixed(1)} scans an object)`);
  console.log(`  R2 bytes             ${n(m.r2Bytes)}  (${(m.r2Bytes / 1e6).toFixed(1)} MB; ${cost.r2BytesPerScan.toFixed(1)} bytes a scan, gzip ${cost.compressionRatio.toFixed(1)}x)`);
  console.log(`  R2 class A ops       ${n(m.r2ClassA)}`);
  console.log(`D1 bytes per raw row (scan_events and its indexes): ${cost.d1BytesPerRawRow.toFixed(0)}; every analytics table per scan: ${cost.d1BytesPerScan.toFixed(0)}`);
  const windowScansPerSecond = (days: number) => 10e9 / (cost.d1BytesPerScan * days * 86_400);
  console.log(`D1's 10 GB hold a ${"30"}-day raw window up to ${windowScansPerSecond(30).toFixed(1)} scans/s sustained; 7 days: ${windowScansPerSecond(7).toFixed(1)}/s; at 1,000/s: ${((10e9 / (cost.d1BytesPerScan * 1000)) / 3600).toFixed(1)} hours`);
}
