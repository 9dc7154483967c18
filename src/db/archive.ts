// Named SQL for the raw-scan archive (src/analytics/archive.ts): when archiving began, the raw
// rows D1 may drop because the archive holds them, and the codes an archived event may be shown for.

/** The service_meta key holding when the consumer first wrote a batch to the archive. */
export const ARCHIVE_SINCE_KEY = "scan_archive_since";

/**
 * Records, once, when the consumer began archiving: part of every consumer batch (after its
 * archive puts succeeded), a no-op write once the key exists.
 */
export const archiveStartedStatement = (db: D1Database, at: string): D1PreparedStatement =>
  db.prepare("INSERT OR IGNORE INTO service_meta (key, value) VALUES (?1, ?2)").bind(ARCHIVE_SINCE_KEY, at);

/** Deletes up to `limit` raw events with `from` <= at < `before` (rows the archive holds); the rollups stay. */
export async function deleteEventsBetween(db: D1Database, from: string, before: string, limit: number): Promise<number> {
  const result = await db
    .prepare("DELETE FROM scan_events WHERE rowid IN (SELECT rowid FROM scan_events WHERE at >= ?1 AND at < ?2 LIMIT ?3)")
    .bind(from, before, limit)
    .run();
  return result.meta.changes;
}

/** Which of `codeIds` the organization still has (an organization's export leaves out a deleted code's events). */
export async function existingCodeIds(db: D1Database, orgId: string, codeIds: string[]): Promise<Set<string>> {
  const { results } = await db
    .prepare("SELECT id FROM qr_codes WHERE org_id = ?1 AND id IN (SELECT value FROM json_each(?2))")
    .bind(orgId, JSON.stringify(codeIds))
    .all<{ id: string }>();
  return new Set(results.map((row) => row.id));
}
