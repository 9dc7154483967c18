// Named SQL for destination health: one destination_checks row per code and checked URL, and the
// code's summary in qr_codes.destination_health.

export interface DestinationCheckRow {
  code_id: string;
  url: string;
  org_id: string;
  host: string;
  status: "unknown" | "ok" | "broken";
  broken_since: string | null;
  checked_at: string | null;
  last_status: number | null;
  last_error: string | null;
  failures: number;
  next_check_at: string;
}

/**
 * Makes a code's rows list exactly `urls` (kept rows keep their history; new ones are due at
 * `dueAt`), provided the code's row is at `version` at that point in the batch, as tags and file
 * references are written: a replace that loses its optimistic check leaves them alone too.
 */
export function syncDestinationChecksStatements(
  db: D1Database,
  code: { id: string; orgId: string },
  urls: readonly { url: string; host: string }[],
  version: number,
  dueAt: string,
): D1PreparedStatement[] {
  const guard = "EXISTS (SELECT 1 FROM qr_codes WHERE id = ?1 AND org_id = ?2 AND version = ?4)";
  const list = JSON.stringify(urls);
  return [
    db
      .prepare(`DELETE FROM destination_checks WHERE code_id = ?1 AND url NOT IN (SELECT json_extract(value, '$.url') FROM json_each(?3)) AND ${guard}`)
      .bind(code.id, code.orgId, list, version),
    db
      .prepare(
        `INSERT OR IGNORE INTO destination_checks (code_id, url, org_id, host, next_check_at)
         SELECT ?1, json_extract(value, '$.url'), ?2, json_extract(value, '$.host'), ?5 FROM json_each(?3) WHERE ${guard}`,
      )
      .bind(code.id, code.orgId, list, version, dueAt),
  ];
}

/** The rows due by `now`, most overdue first. */
export async function listDueChecks(db: D1Database, now: string, limit: number): Promise<DestinationCheckRow[]> {
  const { results } = await db.prepare("SELECT * FROM destination_checks WHERE next_check_at <= ?1 ORDER BY next_check_at LIMIT ?2").bind(now, limit).all<DestinationCheckRow>();
  return results;
}

/** Every row of these codes (their summaries are recomputed from all of them). */
export async function listChecksOfCodes(db: D1Database, codeIds: readonly string[]): Promise<DestinationCheckRow[]> {
  if (codeIds.length === 0) return [];
  const { results } = await db.prepare("SELECT * FROM destination_checks WHERE code_id IN (SELECT value FROM json_each(?1)) ORDER BY code_id, url").bind(JSON.stringify(codeIds)).all<DestinationCheckRow>();
  return results;
}

/** A check's outcome, written only if the row is still there (the code may have been edited or deleted meanwhile). */
export function recordCheckStatement(db: D1Database, row: DestinationCheckRow): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE destination_checks SET status = ?3, broken_since = ?4, checked_at = ?5, last_status = ?6, last_error = ?7, failures = ?8, next_check_at = ?9
       WHERE code_id = ?1 AND url = ?2`,
    )
    .bind(row.code_id, row.url, row.status, row.broken_since, row.checked_at, row.last_status, row.last_error, row.failures, row.next_check_at);
}

/** Pushes a row's next check later without checking it (its host is backing off). */
export function postponeCheckStatement(db: D1Database, codeId: string, url: string, nextCheckAt: string): D1PreparedStatement {
  return db.prepare("UPDATE destination_checks SET next_check_at = ?3 WHERE code_id = ?1 AND url = ?2").bind(codeId, url, nextCheckAt);
}

/** The code's summary (JSON); the code's version and updatedAt are not touched: health is not an edit. */
export function setDestinationHealthStatement(db: D1Database, codeId: string, health: string | null): D1PreparedStatement {
  return db.prepare("UPDATE qr_codes SET destination_health = ?2 WHERE id = ?1").bind(codeId, health);
}
