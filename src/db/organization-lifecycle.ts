import { ORGANIZATION_COLUMNS, toOrganization, type Organization, type OrganizationRow } from "./organizations";
import { isoNow } from "../lib/time";

// Named SQL for an organization's life after creation: deactivation, reactivation, deletion, the
// walk that takes its links off KV, and the purge that removes what it owned a bounded page at a
// time. Application logic (what runs when, storage outside D1) is in src/accounts/lifecycle.ts.

/**
 * Active → deactivated, with a links walk to run. Null when nothing changed (no such organization,
 * or it was not active): the caller reads the organization to tell which.
 */
export async function deactivateOrganizationRow(db: D1Database, id: string): Promise<Organization | null> {
  const row = await db
    .prepare(`UPDATE organizations SET status = 'deactivated', status_changed_at = ?2, links_walk_after = '' WHERE id = ?1 AND status = 'active' RETURNING ${ORGANIZATION_COLUMNS}`)
    .bind(id, isoNow())
    .first<OrganizationRow>();
  return row ? toOrganization(row) : null;
}

/** Deactivated → active; a pending links walk is dropped (KV refills itself from D1 on the next scan). */
export async function activateOrganizationRow(db: D1Database, id: string): Promise<Organization | null> {
  const row = await db
    .prepare(`UPDATE organizations SET status = 'active', status_changed_at = ?2, links_walk_after = NULL WHERE id = ?1 AND status = 'deactivated' RETURNING ${ORGANIZATION_COLUMNS}`)
    .bind(id, isoNow())
    .first<OrganizationRow>();
  return row ? toOrganization(row) : null;
}

/**
 * Marks an organization for deletion and removes, in the same transaction, every credential it
 * has (bearer keys, AccessKeys, users with their developer keys, the pairing Client-Token) and its
 * WhatsApp numbers (free to register elsewhere at once); its pairing instances are marked deleted
 * for the pairing cron. These are few per organization (an administrator creates each one). What
 * can be many (codes, analytics, files) the cron removes in pages. The demo flag goes at once, so
 * `npm start` can seed a new demo. Null when nothing changed (no such organization, or already
 * being deleted).
 */
export async function markOrganizationDeleting(db: D1Database, id: string): Promise<Organization | null> {
  const now = isoNow();
  const [marked] = await db.batch([
    db
      .prepare(
        `UPDATE organizations SET status = 'deleting', status_changed_at = ?2, is_demo = 0,
           links_walk_after = CASE WHEN status = 'active' THEN '' ELSE links_walk_after END
         WHERE id = ?1 AND status <> 'deleting' RETURNING ${ORGANIZATION_COLUMNS}`,
      )
      .bind(id, now),
    db.prepare("DELETE FROM api_keys WHERE org_id = ?1").bind(id),
    db.prepare("DELETE FROM access_keys WHERE org_id = ?1").bind(id),
    db.prepare("DELETE FROM users WHERE org_id = ?1").bind(id),
    db.prepare("DELETE FROM pairing_client_tokens WHERE org_id = ?1").bind(id),
    db.prepare("DELETE FROM whatsapp_phone_numbers WHERE org_id = ?1").bind(id),
    db.prepare("UPDATE pairing_instances SET deleted_at = ?2 WHERE org_id = ?1 AND deleted_at IS NULL").bind(id, now),
  ]);
  const row = marked!.results[0] as OrganizationRow | undefined;
  return row ? toOrganization(row) : null;
}

// The links walk

export interface LinksWalk {
  orgId: string;
  /** the last code id whose link was taken off KV ('' = none yet) */
  after: string;
}

/** Organizations that are not active and still have links on KV to remove, longest waiting first. */
export async function listPendingLinksWalks(db: D1Database, limit: number): Promise<LinksWalk[]> {
  const { results } = await db
    .prepare("SELECT id, links_walk_after FROM organizations WHERE status <> 'active' AND links_walk_after IS NOT NULL ORDER BY status_changed_at LIMIT ?1")
    .bind(limit)
    .all<{ id: string; links_walk_after: string }>();
  return results.map((r) => ({ orgId: r.id, after: r.links_walk_after }));
}

export async function findLinksWalk(db: D1Database, orgId: string): Promise<LinksWalk | null> {
  const row = await db
    .prepare("SELECT id, links_walk_after FROM organizations WHERE id = ?1 AND status <> 'active' AND links_walk_after IS NOT NULL")
    .bind(orgId)
    .first<{ id: string; links_walk_after: string }>();
  return row ? { orgId: row.id, after: row.links_walk_after } : null;
}

/** The organization's codes with a short token after `after`, in id order (an index walk). */
export async function listShortTokensAfter(db: D1Database, orgId: string, after: string, limit: number): Promise<{ id: string; shortToken: string }[]> {
  const { results } = await db
    .prepare("SELECT id, short_token FROM qr_codes WHERE org_id = ?1 AND id > ?2 AND short_token IS NOT NULL ORDER BY id LIMIT ?3")
    .bind(orgId, after, limit)
    .all<{ id: string; short_token: string }>();
  return results.map((r) => ({ id: r.id, shortToken: r.short_token }));
}

/**
 * Moves the walk on to `next` (null: done), only if it is still where this step found it: a walk
 * restarted meanwhile (reactivated, then deactivated again) is not skipped ahead.
 */
export async function advanceLinksWalk(db: D1Database, walk: LinksWalk, next: string | null): Promise<void> {
  await db
    .prepare("UPDATE organizations SET links_walk_after = ?3 WHERE id = ?1 AND status <> 'active' AND links_walk_after = ?2")
    .bind(walk.orgId, walk.after, next)
    .run();
}

// The purge of an organization being deleted

export async function listDeletingOrganizationIds(db: D1Database, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT id FROM organizations WHERE status <> 'active' AND status = 'deleting' ORDER BY status_changed_at LIMIT ?1")
    .bind(limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Analytics rows are keyed by code, so they are found through the organization's codes (indexed both ways). */
const ANALYTICS_TABLES = ["scan_events", "scan_daily_visitors", "scan_daily_dimensions", "scan_daily"] as const;

/**
 * Up to `limit` rows of each analytics table that belong to the organization's codes. `more` is
 * true while some table may hold more (it gave a full page).
 */
export async function deleteOrganizationAnalyticsPage(db: D1Database, orgId: string, limit: number): Promise<{ deleted: number; more: boolean }> {
  const results = await db.batch(
    ANALYTICS_TABLES.map((table) =>
      db
        .prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT t.rowid FROM qr_codes AS c JOIN ${table} AS t ON t.code_id = c.id WHERE c.org_id = ?1 LIMIT ?2)`)
        .bind(orgId, limit),
    ),
  );
  const changes = results.map((r) => r.meta.changes ?? 0);
  return { deleted: changes.reduce((a, b) => a + b, 0), more: changes.some((n) => n >= limit) };
}

/** Up to `limit` codes; their file references and message QR records go with them (cascade). */
export async function deleteOrganizationCodesPage(db: D1Database, orgId: string, limit: number): Promise<number> {
  const result = await db.prepare("DELETE FROM qr_codes WHERE rowid IN (SELECT rowid FROM qr_codes WHERE org_id = ?1 LIMIT ?2)").bind(orgId, limit).run();
  return result.meta.changes ?? 0;
}

export async function listOrganizationFiles(db: D1Database, orgId: string, limit: number): Promise<{ id: string; r2Key: string }[]> {
  const { results } = await db.prepare("SELECT id, r2_key FROM files WHERE org_id = ?1 LIMIT ?2").bind(orgId, limit).all<{ id: string; r2_key: string }>();
  return results.map((r) => ({ id: r.id, r2Key: r.r2_key }));
}

/** The ids travel as one JSON parameter (D1 binds at most 100 per statement). */
export async function deleteOrganizationFiles(db: D1Database, orgId: string, ids: string[]): Promise<number> {
  const result = await db.prepare("DELETE FROM files WHERE org_id = ?1 AND id IN (SELECT value FROM json_each(?2))").bind(orgId, JSON.stringify(ids)).run();
  return result.meta.changes ?? 0;
}

/**
 * The last step: the row, once nothing with storage outside D1 is left (codes, whose links the
 * walk took off KV; files, whose R2 objects went first; pairing instances, whose Durable Objects
 * the pairing cron wipes). Brands, members and everything else still keyed by the organization go
 * with it through ON DELETE CASCADE. True when the row was deleted.
 */
export async function deleteEmptyOrganization(db: D1Database, orgId: string): Promise<boolean> {
  const result = await db
    .prepare(
      `DELETE FROM organizations WHERE id = ?1 AND status = 'deleting' AND links_walk_after IS NULL
         AND NOT EXISTS (SELECT 1 FROM qr_codes WHERE org_id = ?1)
         AND NOT EXISTS (SELECT 1 FROM files WHERE org_id = ?1)
         AND NOT EXISTS (SELECT 1 FROM pairing_instances WHERE org_id = ?1)`,
    )
    .bind(orgId)
    .run();
  return (result.meta.changes ?? 0) > 0;
}
