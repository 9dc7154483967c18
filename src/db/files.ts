import type { FilePurpose } from "../files/sniff";
import { isoNow } from "./time";
import { randomHex } from "../lib/hex";

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

/** File ids: 96 bits from the CSPRNG as 24 lowercase hex characters (unguessable; /files/{id} is public). */
export function newFileId(): string {
  return randomHex(12);
}

export const FILE_ID_PATTERN = /^[0-9a-f]{24}$/;
export const isFileId = (value: unknown): value is string => typeof value === "string" && FILE_ID_PATTERN.test(value);

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

/** Any organization's file, for the public GET /files/{id}. */
export async function findFileById(db: D1Database, id: string): Promise<StoredFile | null> {
  if (!isFileId(id)) return null;
  const row = await db.prepare("SELECT * FROM files WHERE id = ?1").bind(id).first<FileRow>();
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


/** The condition for an upload no code of its organization refers to: not its logo, nowhere in its content. */
const UNREFERENCED = "NOT EXISTS (SELECT 1 FROM qr_codes c WHERE c.org_id = f.org_id AND (c.logo_file_id = f.id OR instr(c.content, f.id) > 0))";

/**
 * Uploads neither created nor claimed by a write since `before` that no code refers to: as its
 * logo, or anywhere in its content (file and audio ids, images, file links are stored as the id).
 */
export async function listUnreferencedFiles(db: D1Database, before: string, limit: number): Promise<StoredFile[]> {
  const { results } = await db
    .prepare(`SELECT f.* FROM files f WHERE COALESCE(f.last_claimed_at, f.created_at) < ?1 AND ${UNREFERENCED} ORDER BY f.created_at LIMIT ?2`)
    .bind(before, limit)
    .all<FileRow>();
  return results.map(toStoredFile);
}

/**
 * Deletes an upload's row only if it is still unclaimed and unreferenced at this instant (one
 * statement, so no write can slip in between the check and the delete); its R2 key when it went.
 */
export async function deleteFileIfOrphaned(db: D1Database, id: string, before: string): Promise<string | null> {
  const row = await db
    .prepare(`DELETE FROM files AS f WHERE f.id = ?1 AND COALESCE(f.last_claimed_at, f.created_at) < ?2 AND ${UNREFERENCED} RETURNING r2_key`)
    .bind(id, before)
    .first<{ r2_key: string }>();
  return row?.r2_key ?? null;
}

/** Stamps the files a write is about to refer to, before it checks them (see deleteFileIfOrphaned). */
export async function claimFiles(db: D1Database, orgId: string, ids: string[], at: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .prepare(`UPDATE files SET last_claimed_at = ?2 WHERE org_id = ?1 AND id IN (${ids.map((_, i) => `?${i + 3}`).join(", ")})`)
    .bind(orgId, at, ...ids)
    .run();
}
