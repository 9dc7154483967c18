import type { VisitEvent } from "../analytics/event";

// Named SQL for scan and page-view analytics.

/** scan_events columns and the VisitEvent field each one is read from (the raw-scan archive writes the same columns). */
export const EVENT_FIELDS = [
  ["id", "id"],
  ["code_id", "codeId"],
  ["org_id", "orgId"],
  ["kind", "kind"],
  ["at", "at"],
  ["country", "country"],
  ["region", "region"],
  ["city", "city"],
  ["device", "device"],
  ["os", "os"],
  ["browser", "browser"],
  ["referrer_host", "referrerHost"],
  ["bot_reason", "botReason"],
  ["visitor", "visitor"],
  ["outcome", "outcome"],
  ["rule", "rule"],
  ["variant", "variant"],
] as const;

/**
 * Every statement of one consumer batch, for one `db.batch()` (one transaction). Events whose id
 * is already stored (a redelivered message) are ignored by the insert and, because the rollups
 * add only rows carrying this batch's id, never counted twice.
 */
export function recordEventsStatements(db: D1Database, events: VisitEvent[], batchId: string): D1PreparedStatement[] {
  // The whole batch travels as one JSON parameter and json_each spreads it into rows: one
  // statement for up to 100 events, where bound parameters (100 per statement) allow five.
  const statements: D1PreparedStatement[] = [
    db
      .prepare(
        `INSERT OR IGNORE INTO scan_events (batch_id, day, bot, ${EVENT_FIELDS.map(([column]) => column).join(", ")})
         SELECT ?1, substr(json_extract(value, '$.at'), 1, 10), json_extract(value, '$.bot') = 1, ${EVENT_FIELDS.map(([, field]) => `json_extract(value, '$.${field}')`).join(", ")}
         FROM json_each(?2)`,
      )
      .bind(batchId, JSON.stringify(events)),
  ];
  const inBatch = "FROM scan_events WHERE batch_id = ?1";
  statements.push(
    db
      .prepare(
        `UPDATE qr_codes SET
           scans = scans + (SELECT COUNT(*) FROM scan_events e WHERE e.batch_id = ?1 AND e.code_id = qr_codes.id AND e.kind = 'scan' AND e.bot = 0),
           views = views + (SELECT COUNT(*) FROM scan_events e WHERE e.batch_id = ?1 AND e.code_id = qr_codes.id AND e.kind = 'view' AND e.bot = 0),
           clicks = clicks + (SELECT COUNT(*) FROM scan_events e WHERE e.batch_id = ?1 AND e.code_id = qr_codes.id AND e.kind = 'click' AND e.bot = 0)
         WHERE id IN (SELECT code_id ${inBatch})`,
      )
      .bind(batchId),
    db
      .prepare(
        `INSERT INTO scan_daily (code_id, kind, day, total, humans, bots)
         SELECT code_id, kind, day, COUNT(*), SUM(bot = 0), SUM(bot) ${inBatch} GROUP BY code_id, kind, day
         ON CONFLICT (code_id, kind, day) DO UPDATE SET total = total + excluded.total, humans = humans + excluded.humans, bots = bots + excluded.bots`,
      )
      .bind(batchId),
    db
      .prepare(
        `INSERT INTO scan_daily_dimensions (code_id, kind, day, dimension, value, humans, bots)
         SELECT code_id, kind, day, dimension, value, SUM(bot = 0), SUM(bot) FROM (
           SELECT e.code_id, e.kind, e.day, e.bot, d.value AS dimension,
             CASE d.value
               WHEN 'country' THEN COALESCE(e.country, 'unknown')
               WHEN 'device' THEN e.device
               WHEN 'os' THEN COALESCE(e.os, 'unknown')
               WHEN 'browser' THEN COALESCE(e.browser, 'unknown')
               WHEN 'referrer' THEN COALESCE(e.referrer_host, 'direct')
               WHEN 'rule' THEN e.rule
               WHEN 'variant' THEN e.variant
             END AS value
           -- One row per event and dimension (D1 allows too few terms in a compound SELECT for a UNION per dimension).
           FROM scan_events e, json_each('["country","device","os","browser","referrer","rule","variant"]') d
           WHERE e.batch_id = ?1
         ) WHERE value IS NOT NULL GROUP BY code_id, kind, day, dimension, value
         ON CONFLICT (code_id, kind, day, dimension, value) DO UPDATE SET humans = humans + excluded.humans, bots = bots + excluded.bots`,
      )
      .bind(batchId),
    db
      .prepare(`INSERT OR IGNORE INTO scan_daily_visitors (code_id, kind, day, visitor) SELECT DISTINCT code_id, kind, day, visitor ${inBatch} AND bot = 0`)
      .bind(batchId),
  );
  return statements;
}

// Retention

/** Deletes up to `limit` raw events older than `before`; the daily rollups stay. */
export async function deleteEventsBefore(db: D1Database, before: string, limit: number): Promise<number> {
  const result = await db.prepare("DELETE FROM scan_events WHERE rowid IN (SELECT rowid FROM scan_events WHERE at < ?1 LIMIT ?2)").bind(before, limit).run();
  return result.meta.changes;
}

/**
 * Freezes the unique-visitor count of days past retention into scan_daily, then deletes their
 * visitor rows (bounded per run).
 */
export async function expireVisitorsBefore(db: D1Database, day: string, limit: number): Promise<number> {
  const [, deleted] = await db.batch([
    db
      .prepare(
        `UPDATE scan_daily SET uniques = (SELECT COUNT(*) FROM scan_daily_visitors v WHERE v.code_id = scan_daily.code_id AND v.kind = scan_daily.kind AND v.day = scan_daily.day)
         WHERE day < ?1 AND uniques IS NULL`,
      )
      .bind(day),
    db.prepare("DELETE FROM scan_daily_visitors WHERE rowid IN (SELECT rowid FROM scan_daily_visitors WHERE day < ?1 LIMIT ?2)").bind(day, limit),
  ]);
  return deleted!.meta.changes;
}

export async function deleteSaltsBefore(db: D1Database, day: string): Promise<number> {
  return (await db.prepare("DELETE FROM visitor_salts WHERE day < ?1").bind(day).run()).meta.changes;
}
