import { deleteFileIfOrphaned, listUnreferencedFiles } from "../db/files";
import { reconcileRedirect } from "../codes/redirects";
import { findShortTokenVersions } from "../db/qr-codes";
import { getServiceValue, setServiceValue } from "../db/service-meta";
import { isoNow } from "../db/time";

const HOUR_MS = 3_600_000;
const FILES_PER_RUN = 200;
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

/**
 * Uploads no code refers to (as a file, audio, logo, image or file link) once the grace period
 * has passed since they were uploaded or last claimed by a write. The row goes first, in one
 * statement that checks again, and the R2 object only after it: a write that claimed the file
 * meanwhile keeps both.
 */
export async function purgeOrphanUploads(env: Env, now: Date): Promise<number> {
  const before = isoNow(new Date(now.getTime() - orphanGraceHours(env) * HOUR_MS));
  let purged = 0;
  for (const file of await listUnreferencedFiles(env.DB, before, FILES_PER_RUN)) {
    const r2Key = await deleteFileIfOrphaned(env.DB, file.id, before);
    if (r2Key === null) continue;
    await env.FILES.delete(r2Key);
    purged++;
  }
  return purged;
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
  const versions = await findShortTokenVersions(env.DB, page.keys.map((key) => key.name));
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
