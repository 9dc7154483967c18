import { toVisit, VISIT_COLUMNS, type VisitKind, type VisitRange, type VisitRecord, type VisitRow } from "./analytics-reads";

// Named SQL for exporting raw scan events: keyset pages in time order, so an export of any period
// reads each event once and each page is an index seek (never an OFFSET over what came before).

/** Where the previous page ended: its last event's time and rowid (the tie-break within a second). */
export interface VisitCursor {
  at: string;
  rowid: number;
}

export type ExportedVisit = VisitRecord & { codeId: string };

export interface VisitExportQuery {
  range: VisitRange;
  includeBots: boolean;
}

/**
 * The next `limit` events after `after` (null: from the start), oldest first, of one code or of
 * every code an organization still has (a deleted code's events, kept until retention removes
 * them, are not the organization's any more, as its summary counts them). Walks (code_id, kind,
 * at) or (org_id, kind, at).
 */
export async function listVisitsAfter(
  db: D1Database,
  scope: { codeId: string } | { orgId: string },
  kind: VisitKind,
  query: VisitExportQuery,
  after: VisitCursor | null,
  limit: number,
): Promise<{ items: ExportedVisit[]; last: VisitCursor | null }> {
  const byCode = "codeId" in scope;
  const owner = byCode ? "e.code_id = ?1" : "e.org_id = ?1 AND EXISTS (SELECT 1 FROM qr_codes AS c WHERE c.id = e.code_id AND c.org_id = ?1)";
  const resume = after === null ? "" : " AND (e.at > ?6 OR (e.at = ?6 AND e.rowid > ?7))";
  const columns = VISIT_COLUMNS.split(", ")
    .map((column) => `e.${column}`)
    .join(", ");
  const { results } = await db
    .prepare(
      `SELECT ${columns}, e.code_id, e.rowid AS row_id FROM scan_events AS e
       WHERE ${owner} AND e.kind = ?2 AND e.at >= ?3 AND e.at < ?4 AND (?5 = 1 OR e.bot = 0)${resume}
       ORDER BY e.at, e.rowid LIMIT ?8`,
    )
    .bind(byCode ? scope.codeId : scope.orgId, kind, query.range.from, query.range.to, query.includeBots ? 1 : 0, after?.at ?? "", after?.rowid ?? 0, limit)
    .all<VisitRow & { code_id: string; row_id: number }>();
  const lastRow = results[results.length - 1];
  return {
    items: results.map((row) => ({ codeId: row.code_id, ...toVisit(row) })),
    last: lastRow ? { at: lastRow.at, rowid: lastRow.row_id } : null,
  };
}
