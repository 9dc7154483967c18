// Named SQL for file_references: which uploads each code refers to. The rows are written in the
// batch that writes the code and go with it (a foreign key cascades from qr_codes), so the orphan
// cleanup answers "does any code refer to this file?" with one index probe instead of a search
// through every code's content.

/**
 * Writes a code's references, provided the code's row is at `version` at that point in the batch:
 * after an insert, its first version; before a replace, the version the replace expects, so a
 * replace that loses its optimistic check (and changes no row) leaves the references alone too.
 * `fileIds` come from referencedFileIds(); they travel as one JSON array, whatever their number.
 */
export function insertFileReferencesStatement(db: D1Database, orgId: string, codeId: string, fileIds: readonly string[], version: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT OR IGNORE INTO file_references (org_id, file_id, code_id)
       SELECT ?1, value, ?2 FROM json_each(?3) WHERE EXISTS (SELECT 1 FROM qr_codes WHERE id = ?2 AND org_id = ?1 AND version = ?4)`,
    )
    .bind(orgId, codeId, JSON.stringify(fileIds), version);
}

/** Drops a code's references before a replace writes them again, under the same version check. */
export function deleteFileReferencesStatement(db: D1Database, orgId: string, codeId: string, version: number): D1PreparedStatement {
  return db
    .prepare("DELETE FROM file_references WHERE code_id = ?2 AND EXISTS (SELECT 1 FROM qr_codes WHERE id = ?2 AND org_id = ?1 AND version = ?3)")
    .bind(orgId, codeId, version);
}

/**
 * Derives references again for a page of codes after `afterId` (in id order), in SQL, as the
 * migration that created the table did: the logo, and every string in the content that is a file
 * id. That is a superset of what a write records (a text that happens to be a file id counts too),
 * so it can only spare a file, never take one a code needs. Returns the last code id of the page,
 * or null when the page was the last.
 */
export async function backfillFileReferences(db: D1Database, afterId: string, limit: number): Promise<string | null> {
  const page = "SELECT id, org_id, content, logo_file_id FROM qr_codes WHERE id > ?1 ORDER BY id LIMIT ?2";
  const [, last] = await db.batch<{ id: string }>([
    db
      .prepare(
        `INSERT OR IGNORE INTO file_references (org_id, file_id, code_id)
         SELECT c.org_id, c.logo_file_id, c.id FROM (${page}) AS c WHERE c.logo_file_id IS NOT NULL
         UNION ALL
         SELECT c.org_id, t.value, c.id FROM (${page}) AS c, json_tree(c.content) AS t
         WHERE t.type = 'text' AND length(t.value) = 24 AND t.value NOT GLOB '*[^0-9a-f]*'`,
      )
      .bind(afterId, limit),
    db.prepare("SELECT id FROM qr_codes WHERE id > ?1 ORDER BY id LIMIT 1 OFFSET ?2 - 1").bind(afterId, limit),
  ]);
  return last!.results[0]?.id ?? null;
}
