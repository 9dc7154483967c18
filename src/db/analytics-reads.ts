// Named SQL for reading scan and page-view analytics (the write side is analytics.ts). The member
// lists read raw rows; totals and breakdowns read only the daily rollups, so their cost grows with
// the number of days and distinct values in the range, never with the number of scans.

import type { VisitEvent } from "../analytics/event";

export type VisitKind = VisitEvent["kind"];

/** Bounds on `at` (ISO 8601, +00:00) and on `day` (YYYY-MM-DD); `to` and `toDay` are exclusive. */
export interface VisitRange {
  from: string;
  to: string;
  fromDay: string;
  toDay: string;
}

/** "" sorts before and "~" after every ISO 8601 string, so an open end needs no second query text. */
export const OPEN_RANGE: VisitRange = { from: "", to: "~", fromDay: "", toDay: "~" };

/** A stored event as the API shows it: the event less what identifies its code and its visitor. */
export type VisitRecord = Omit<VisitEvent, "codeId" | "orgId" | "kind" | "visitor">;

export interface VisitRow {
  id: string;
  at: string;
  country: string | null;
  region: string | null;
  city: string | null;
  device: string;
  os: string | null;
  browser: string | null;
  referrer_host: string | null;
  bot: number;
  bot_reason: VisitEvent["botReason"];
  outcome: VisitEvent["outcome"];
  rule: string | null;
  variant: string | null;
}

// The visitor hash is deliberately not selected: it is an internal pseudonymous key.
export const VISIT_COLUMNS = "id, at, country, region, city, device, os, browser, referrer_host, bot, bot_reason, outcome, rule, variant";

export const toVisit = (r: VisitRow): VisitRecord => ({
  id: r.id,
  at: r.at,
  country: r.country,
  region: r.region,
  city: r.city,
  device: r.device,
  os: r.os,
  browser: r.browser,
  referrerHost: r.referrer_host,
  bot: r.bot === 1,
  botReason: r.bot_reason,
  outcome: r.outcome,
  rule: r.rule,
  variant: r.variant,
});

export interface ListVisitsOptions {
  range: VisitRange;
  includeBots: boolean;
  order: "asc" | "desc";
  limit: number;
  offset: number;
}

/**
 * One page of raw events and the count of all that match, in one batch. Both walk the
 * (code_id, kind, at) index; rowid breaks ties between events of the same second, and the index
 * carries it, so the order needs no sort.
 */
export async function listVisits(db: D1Database, codeId: string, kind: VisitKind, options: ListVisitsOptions): Promise<{ items: VisitRecord[]; total: number }> {
  const where = "code_id = ?1 AND kind = ?2 AND at >= ?3 AND at < ?4 AND (?5 = 1 OR bot = 0)";
  const direction = options.order === "asc" ? "ASC" : "DESC";
  const { range } = options;
  const binds = [codeId, kind, range.from, range.to, options.includeBots ? 1 : 0] as const;
  const [page, count] = await db.batch([
    db.prepare(`SELECT ${VISIT_COLUMNS} FROM scan_events WHERE ${where} ORDER BY at ${direction}, rowid ${direction} LIMIT ?6 OFFSET ?7`).bind(...binds, options.limit, options.offset),
    db.prepare(`SELECT COUNT(*) AS total FROM scan_events WHERE ${where}`).bind(...binds),
  ]);
  return {
    items: (page!.results as VisitRow[]).map(toVisit),
    total: (count!.results[0] as { total: number }).total,
  };
}

export async function findVisit(db: D1Database, codeId: string, kind: VisitKind, id: string): Promise<VisitRecord | null> {
  const row = await db.prepare(`SELECT ${VISIT_COLUMNS} FROM scan_events WHERE id = ?1 AND code_id = ?2 AND kind = ?3`).bind(id, codeId, kind).first<VisitRow>();
  return row ? toVisit(row) : null;
}

export interface DayCount {
  day: string;
  humans: number;
  bots: number;
  unique: number;
}

export interface DimensionCount {
  value: string;
  humans: number;
  bots: number;
}

export const DIMENSIONS = ["country", "device", "os", "browser", "referrer", "rule", "variant"] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface VisitSummary {
  days: DayCount[];
  dimensions: Record<Dimension, DimensionCount[]>;
}

/**
 * Whose rollups a summary reads: one code's, or every code of an organization (through the codes
 * table, whose (org_id, id) index leads to each code's rollup rows; a code deleted with its rows
 * is gone from both).
 */
/** One code's rollups, an organization's, or a print run's children's (migrations/0015_print_runs.sql). */
export type VisitScope = { codeId: string } | { orgId: string } | { runId: string };

function scopeSql(scope: VisitScope, table: string): { from: string; key: string } {
  if ("codeId" in scope) return { from: `${table} d WHERE d.code_id = ?1`, key: scope.codeId };
  if ("runId" in scope) return { from: `print_run_codes p JOIN ${table} d ON d.code_id = p.code_id WHERE p.run_id = ?1`, key: scope.runId };
  return { from: `qr_codes q JOIN ${table} d ON d.code_id = q.id WHERE q.org_id = ?1`, key: scope.orgId };
}

/**
 * The rollups of [fromDay, toDay): one row per day with activity, and the top `limit` values of
 * each dimension by human count. A day's unique count is its frozen `uniques` once the visitor
 * rows have expired, otherwise the count of those rows (a covering range of their primary key);
 * over an organization it is the sum of its codes' (a visitor of two codes counts twice).
 * Cost: rollup rows in the range, one per code and day with activity (and per value for the
 * breakdowns), never one per scan.
 */
export async function summarizeVisits(db: D1Database, scope: VisitScope, kind: VisitKind, range: VisitRange, limit: number): Promise<VisitSummary> {
  const daily = scopeSql(scope, "scan_daily");
  const dimensional = scopeSql(scope, "scan_daily_dimensions");
  const [days, dimensions] = await db.batch([
    db
      .prepare(
        `SELECT d.day, SUM(d.humans) AS humans, SUM(d.bots) AS bots,
           SUM(COALESCE(d.uniques, (SELECT COUNT(*) FROM scan_daily_visitors v WHERE v.code_id = d.code_id AND v.kind = d.kind AND v.day = d.day))) AS uniques
         FROM ${daily.from} AND d.kind = ?2 AND d.day >= ?3 AND d.day < ?4 GROUP BY d.day ORDER BY d.day`,
      )
      .bind(daily.key, kind, range.fromDay, range.toDay),
    db
      .prepare(
        `SELECT dimension, value, humans, bots FROM (
           SELECT d.dimension, d.value, SUM(d.humans) AS humans, SUM(d.bots) AS bots,
             ROW_NUMBER() OVER (PARTITION BY d.dimension ORDER BY SUM(d.humans) DESC, SUM(d.bots) DESC, d.value) AS rank
           FROM ${dimensional.from} AND d.kind = ?2 AND d.day >= ?3 AND d.day < ?4
           GROUP BY d.dimension, d.value
         ) WHERE rank <= ?5 ORDER BY dimension, rank`,
      )
      .bind(dimensional.key, kind, range.fromDay, range.toDay, limit),
  ]);
  const byDimension = Object.fromEntries(DIMENSIONS.map((d) => [d, [] as DimensionCount[]])) as Record<Dimension, DimensionCount[]>;
  for (const row of dimensions!.results as { dimension: string; value: string; humans: number; bots: number }[])
    byDimension[row.dimension as Dimension]?.push({ value: row.value, humans: row.humans, bots: row.bots });
  return {
    days: (days!.results as { day: string; humans: number; bots: number; uniques: number }[]).map((r) => ({ day: r.day, humans: r.humans, bots: r.bots, unique: r.uniques })),
    dimensions: byDimension,
  };
}

export interface CodeCount {
  id: string;
  name: string;
  type: string;
  humans: number;
  bots: number;
}

/** An organization's `limit` codes with the most human visits of `kind` in the range (ties: more bots, then newest). */
export async function topCodes(db: D1Database, orgId: string, kind: VisitKind, range: VisitRange, limit: number): Promise<CodeCount[]> {
  const { results } = await db
    .prepare(
      `SELECT q.id, q.name, q.type, SUM(d.humans) AS humans, SUM(d.bots) AS bots
       FROM qr_codes q JOIN scan_daily d ON d.code_id = q.id
       WHERE q.org_id = ?1 AND d.kind = ?2 AND d.day >= ?3 AND d.day < ?4
       GROUP BY q.id ORDER BY humans DESC, bots DESC, q.id DESC LIMIT ?5`,
    )
    .bind(orgId, kind, range.fromDay, range.toDay, limit)
    .all<CodeCount>();
  return results;
}
