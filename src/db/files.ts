import { isFileId } from "../lib/file-ids";
import type { FilePurpose } from "../files/sniff";
import { isoNow } from "../lib/time";

// Named SQL for the files table, with a row mapper; handlers never see column names.

export interface StoredFile {
  id: string;
  orgId: string;
  purpose: FilePurpose;
  fileName: string;
  mediaType: string;
  size: number;
  sha256: string;
  r2Key: string;
  sourceUrl: string | null;
  createdAt: string;
}
interface FileRow {
  id: string;
  org_id: string;
  purpose: FilePurpose;
  file_name: string;
  media_type: string;
  size: number;
  sha256: string;
  r2_key: string;
  source_url: string | null;
  created_at: string;
}
const toStoredFile = (r: FileRow): StoredFile => ({
  id: r.id,
  orgId: r.org_id,
  purpose: r.purpose,
  fileName: r.file_name,
  mediaType: r.media_type,
  size: r.size,
  sha256: r.sha256,
  r2Key: r.r2_key,
  sourceUrl: r.source_url,
  createdAt: r.created_at,
});

/** What an insert supplies: the stored file less what the database sets, the source URL optional. */
export type NewFile = Omit<StoredFile, "createdAt" | "sourceUrl"> & { sourceUrl?: string | null };

export async function insertFile(db: D1Database, file: NewFile): Promise<StoredFile> {
  const row = await db
    .prepare(
      `INSERT INTO files (id, org_id, purpose, file_name, media_type, size, sha256, r2_key, source_url, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING *`,
    )
    .bind(file.id, file.orgId, file.purpose, file.fileName, file.mediaType, file.size, file.sha256, file.r2Key, file.sourceUrl ?? null, isoNow())
    .first<FileRow>();
  return toStoredFile(row!);
}

/** An organization's file; another organization's id is simply not found. */
export async function findFile(db: D1Database, orgId: string, id: string): Promise<StoredFile | null> {
  if (!isFileId(id)) return null;
  const row = await db.prepare("SELECT * FROM files WHERE org_id = ?1 AND id = ?2").bind(orgId, id).first<FileRow>();
  return row ? toStoredFile(row) : null;
}

/** Any active organization's file, for the public GET /files/{id}; a deactivated or deleted one's is not served. */
export async function findFileById(db: D1Database, id: string): Promise<StoredFile | null> {
  if (!isFileId(id)) return null;
  const row = await db.prepare("SELECT f.* FROM files AS f JOIN organizations AS o ON o.id = f.org_id AND o.status = 'active' WHERE f.id = ?1").bind(id).first<FileRow>();
  return row ? toStoredFile(row) : null;
}

/** A file of this organization and purpose with exactly these bytes (re-importing a logo URL reuses it). */
export async function findFileByDigest(db: D1Database, orgId: string, purpose: FilePurpose, sha256: string): Promise<StoredFile | null> {
  const row = await db
    .prepare("SELECT * FROM files WHERE org_id = ?1 AND sha256 = ?2 AND purpose = ?3 ORDER BY created_at, id LIMIT 1")
    .bind(orgId, sha256, purpose)
    .first<FileRow>();
  return row ? toStoredFile(row) : null;
}


/** Where the orphan walk stopped: the last upload it examined, in (created_at, id) order. */
export interface FileWalkCursor {
  createdAt: string;
  id: string;
}

/**
 * One page of the orphan walk: the next `limit` uploads after `after` (oldest first) created before
 * `before`, of which those neither claimed by a write since `before` nor referenced by any code of
 * their organization (file_references) are deleted, in the same statement that checks them, so a
 * write that claimed or referred to one meanwhile keeps it. The page's bounds and the delete run in
 * one transaction. Returns the deleted rows' R2 keys, and where the next page starts (null once the
 * walk reached the end, so the next one starts over).
 *
 * Rows examined are bounded by `limit` whatever the number of files or codes: the page is a range
 * of the files_by_age index, and each of its files costs one probe of file_references' primary key.
 */
export async function deleteOrphanedFilesPage(
  db: D1Database,
  after: FileWalkCursor | null,
  before: string,
  limit: number,
): Promise<{ r2Keys: string[]; next: FileWalkCursor | null }> {
  const page = "FROM files WHERE (created_at, id) > (?1, ?2) AND created_at < ?3 ORDER BY created_at, id";
  const [last, deleted] = await db.batch<{ created_at: string; id: string } | { r2_key: string }>([
    db.prepare(`SELECT created_at, id ${page} LIMIT 1 OFFSET ?4 - 1`).bind(after?.createdAt ?? "", after?.id ?? "", before, limit),
    db
      .prepare(
        `DELETE FROM files AS f
         WHERE f.id IN (SELECT id ${page} LIMIT ?4)
           AND COALESCE(f.last_claimed_at, f.created_at) < ?3
           AND NOT EXISTS (SELECT 1 FROM file_references AS r WHERE r.org_id = f.org_id AND r.file_id = f.id)
         RETURNING r2_key`,
      )
      .bind(after?.createdAt ?? "", after?.id ?? "", before, limit),
  ]);
  const end = last!.results[0] as { created_at: string; id: string } | undefined;
  return {
    r2Keys: (deleted!.results as { r2_key: string }[]).map((row) => row.r2_key),
    next: end ? { createdAt: end.created_at, id: end.id } : null,
  };
}

/** Stamps the files a write is about to refer to, before it checks them (see deleteOrphanedFilesPage). */
export async function claimFiles(db: D1Database, orgId: string, ids: string[], at: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .prepare(`UPDATE files SET last_claimed_at = ?2 WHERE org_id = ?1 AND id IN (${ids.map((_, i) => `?${i + 3}`).join(", ")})`)
    .bind(orgId, at, ...ids)
    .run();
}
