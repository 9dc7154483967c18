// Named SQL for qr_code_tags: a code's tags one row each, written in the batch that writes the code
// (the code's row keeps the same list as JSON for its representation), so that filtering by tag and
// counting per tag are walks of the (org_id, tag, code_id) key.

/**
 * Writes a code's tag rows, provided the code's row is at `version` at that point in the batch
 * (after an insert, its first version; before a replace, the version the replace expects), as
 * file references are: a replace that loses its optimistic check leaves the tags alone too.
 */
export function insertTagsStatement(db: D1Database, orgId: string, codeId: string, tags: readonly string[], version: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT OR IGNORE INTO qr_code_tags (org_id, tag, code_id)
       SELECT ?1, value, ?2 FROM json_each(?3) WHERE EXISTS (SELECT 1 FROM qr_codes WHERE id = ?2 AND org_id = ?1 AND version = ?4)`,
    )
    .bind(orgId, codeId, JSON.stringify(tags), version);
}

/** Drops a code's tag rows before a replace writes them again, under the same version check. */
export function deleteTagsStatement(db: D1Database, orgId: string, codeId: string, version: number): D1PreparedStatement {
  return db
    .prepare("DELETE FROM qr_code_tags WHERE code_id = ?2 AND EXISTS (SELECT 1 FROM qr_codes WHERE id = ?2 AND org_id = ?1 AND version = ?3)")
    .bind(orgId, codeId, version);
}

/**
 * The SQL condition (on qr_codes, with its binds) "has every one of these tags": one probe of the
 * key per tag, so several tags narrow the set (AND).
 */
export function hasAllTagsCondition(orgId: string, tags: readonly string[]): { sql: string; binds: unknown[] } {
  return {
    sql: tags.map(() => "id IN (SELECT code_id FROM qr_code_tags WHERE org_id = ? AND tag = ?)").join(" AND "),
    binds: tags.flatMap((tag) => [orgId, tag]),
  };
}

export interface TagCount {
  tag: string;
  codes: number;
}

/** A page of the organization's tags in name order, each with how many codes carry it, and how many tags there are. */
export async function listTagCounts(db: D1Database, orgId: string, page: { limit: number; offset: number }): Promise<{ items: TagCount[]; total: number }> {
  const [rows, count] = await db.batch([
    db
      .prepare("SELECT tag, COUNT(*) AS codes FROM qr_code_tags WHERE org_id = ?1 GROUP BY tag ORDER BY tag LIMIT ?2 OFFSET ?3")
      .bind(orgId, page.limit, page.offset),
    db.prepare("SELECT COUNT(DISTINCT tag) AS total FROM qr_code_tags WHERE org_id = ?1").bind(orgId),
  ]);
  return { items: rows!.results as unknown as TagCount[], total: (count!.results[0] as { total: number }).total };
}
