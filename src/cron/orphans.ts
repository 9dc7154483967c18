import { backfillFileReferences } from "../db/file-references";
import { deleteOrphanedFilesPage, type FileWalkCursor } from "../db/files";
import { reconcileRedirect } from "../codes/short-links";
import { findShortTokenVersions } from "../db/qr-codes";
import { DYNAMIC_TYPES } from "../codes/catalog";
import { getServiceValue, setServiceValue } from "../db/service-meta";
import { isoNow } from "../lib/time";

const HOUR_MS = 3_600_000;
/** Uploads examined per run (at most this many rows deleted, and one R2 call, which takes up to 1,000 keys). */
export const FILES_PER_RUN = 1_000;
/** Codes whose references are derived again per run, while the walk after the upgrade lasts. */
export const CODES_PER_BACKFILL_RUN = 1_000;
const RENDERS_PER_RUN = 1_000;
const KV_KEYS_PER_RUN = 1_000;
/** Cached renders are rebuilt on demand; one untouched for this long is most likely of an old design. */
const RENDER_MAX_AGE_MS = 30 * 24 * HOUR_MS;

/** At least an hour whatever the setting: an upload is usually referenced minutes after it lands. */
const MIN_GRACE_HOURS = 1;
const DEFAULT_GRACE_HOURS = 24;

export function orphanGraceHours(env: Env): number {
  const setting = env.ORPHAN_UPLOAD_GRACE_HOURS?.trim();
  const hours = setting ? Number(setting) : Number.NaN;
  return Number.isFinite(hours) ? Math.max(MIN_GRACE_HOURS, hours) : DEFAULT_GRACE_HOURS;
}

const FILES_CURSOR_KEY = "orphan_files_cursor";
/** Set by migration 0010: the last code whose references the new version derived again. */
const BACKFILL_CURSOR_KEY = "file_references_backfill_after";

/**
 * Uploads no code refers to (as a file, audio, logo, image or file link: file_references) once the
 * grace period has passed since they were uploaded or last claimed by a write. Each run examines
 * one page of uploads, oldest first, resuming where the last run stopped and starting over once it
 * reached the end, so a run costs the same whatever the number of files or codes. The rows go
 * first, in the one statement that checks them, and their R2 objects only after: a write that
 * claimed or referred to a file meanwhile keeps both.
 */
export async function purgeOrphanUploads(env: Env, now: Date): Promise<number> {
  if (!(await backfillReferencesStep(env.DB))) return 0;
  const before = isoNow(new Date(now.getTime() - orphanGraceHours(env) * HOUR_MS));
  const stored = await getServiceValue(env.DB, FILES_CURSOR_KEY);
  const after = stored === null ? null : (JSON.parse(stored) as FileWalkCursor);
  const { r2Keys, next } = await deleteOrphanedFilesPage(env.DB, after, before, FILES_PER_RUN);
  await setServiceValue(env.DB, FILES_CURSOR_KEY, next === null ? null : JSON.stringify(next));
  if (r2Keys.length > 0) await env.FILES.delete(r2Keys);
  return r2Keys.length;
}

/**
 * After the upgrade that added file_references, the previous version may still have written codes
 * (without references) between the migration and the deploy. Until a walk over every code has
 * derived their references again, a page per run, nothing is deleted. True once it is complete.
 */
async function backfillReferencesStep(db: D1Database): Promise<boolean> {
  const after = await getServiceValue(db, BACKFILL_CURSOR_KEY);
  if (after === null) return true;
  const last = await backfillFileReferences(db, after, CODES_PER_BACKFILL_RUN);
  await setServiceValue(db, BACKFILL_CURSOR_KEY, last);
  return last === null;
}

const RENDERS_CURSOR_KEY = "renders_sweep_cursor";

/**
 * Cached download renders not written for 30 days (an edit changes the key, so old designs pile
 * up). A page of the prefix per run, resuming where the last run stopped, so the whole bucket is
 * walked however many fresh renders sort first.
 */
export async function purgeStaleRenders(env: Env, now: Date): Promise<number> {
  const cursor = (await getServiceValue(env.DB, RENDERS_CURSOR_KEY)) ?? undefined;
  const listing = await env.FILES.list({ prefix: "renders/", limit: RENDERS_PER_RUN, cursor });
  const stale = listing.objects.filter((object) => now.getTime() - object.uploaded.getTime() > RENDER_MAX_AGE_MS).map((object) => object.key);
  if (stale.length > 0) await env.FILES.delete(stale);
  await setServiceValue(env.DB, RENDERS_CURSOR_KEY, listing.truncated ? listing.cursor : null);
  return stale.length;
}

const KV_CURSOR_KEY = "kv_sweep_cursor";

/**
 * Walks the KV namespace a page per run (resuming where the last run stopped) and makes every
 * record agree with D1: a record whose code is gone or static is removed, a record whose version
 * (kept in the key's metadata, so the listing alone tells) is not D1's is rewritten. This bounds
 * how long any lost or out-of-order KV write can survive, whatever its cause.
 */
export async function verifyRedirects(env: Env): Promise<number> {
  const cursor = (await getServiceValue(env.DB, KV_CURSOR_KEY)) ?? undefined;
  const page = await env.LINKS.list<{ version?: number }>({ cursor, limit: KV_KEYS_PER_RUN });
  const versions = await findShortTokenVersions(env.DB, page.keys.map((key) => key.name), DYNAMIC_TYPES);
  let fixed = 0;
  for (const key of page.keys) {
    const current = versions.get(key.name);
    if (current !== undefined && current === key.metadata?.version) continue;
    await reconcileRedirect(env, key.name);
    fixed++;
  }
  await setServiceValue(env.DB, KV_CURSOR_KEY, page.list_complete ? null : page.cursor);
  return fixed;
}
