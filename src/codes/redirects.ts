import { clearRedirectSync, countRedirectSyncAttempt, findCodeByShortToken, listPendingRedirectSyncs } from "../db/qr-codes";
import type { QrCodeRecord } from "./record";
import { isoNow } from "../db/time";
import { ExpiringMap } from "../lib/expiring-set";
import { hasLimits, type Limits } from "./limits";
import { isDynamicType, type QrCodeType } from "./types";
import { randomHex } from "../lib/hex";

/**
 * The redirect-only copy of a dynamic code that `/r/{token}` reads from KV: everything the hot
 * path needs and nothing else. `target` is absolute for url codes and a path on this Worker for
 * the rest (hosted and contact pages, stored files), resolved against the request's origin.
 */
export interface RedirectRecord {
  type: QrCodeType;
  target: string;
  codeId: string;
  orgId: string;
  updatedAt: string;
  /** The code's version: exact where updatedAt (one-second resolution) is not, e.g. for page cache keys. */
  version: number;
  /** Present only for codes with a limit: the only ones that ever consult the scan limiter. */
  limits?: Limits;
}

export function redirectTarget(code: Pick<QrCodeRecord, "type" | "content" | "shortToken">): string | null {
  if (!code.shortToken || !isDynamicType(code.type)) return null;
  switch (code.type) {
    case "url":
      return code.content.url as string;
    case "file":
      return `/files/${code.content.fileName as string}`;
    default:
      // text, links, audio, event: the hosted page; vcard: the contact page with its .vcf.
      return `/p/${code.shortToken}`;
  }
}

export function redirectRecordOf(code: QrCodeRecord): RedirectRecord | null {
  const target = redirectTarget(code);
  if (target === null) return null;
  return { type: code.type, target, codeId: code.id, orgId: code.orgId, updatedAt: code.updatedAt, version: code.version, ...(hasLimits(code.limits) ? { limits: code.limits } : {}) };
}

/**
 * A sync marker: the time (for the cron's grace period) and a random part, so two changes within
 * the same second never share one and a writer only ever clears its own.
 */
export function syncMarker(now = new Date()): string {
  return `${isoNow(now)} ${randomHex(6)}`;
}

/**
 * Hot tokens' records, per isolate, for a few seconds. A viral code is scanned many times a second
 * in each isolate; without this every scan is a (billed) KV read, with it a few per isolate per
 * minute. An edit reaches every scan within HOT_RECORD_TTL_MS plus KV's edge cache TTL, and at
 * once in the isolate that made it.
 */
const HOT_RECORD_TTL_MS = 5_000;
export const hotRecords = new ExpiringMap<RedirectRecord>(HOT_RECORD_TTL_MS, 10_000);

/** The KV write itself; the version rides in the key's metadata so a listing can check it without reads. */
async function writeRecord(env: Env, token: string, record: RedirectRecord | null): Promise<void> {
  hotRecords.delete(token);
  if (record) await env.LINKS.put(token, JSON.stringify(record), { metadata: { version: record.version } });
  else await env.LINKS.delete(token);
}

/**
 * Takes a token's record off KV (and this isolate's memory). Always safe: KV is a copy, and a scan
 * that misses it reads D1, which decides (a code of an organization that is not active is no link).
 */
export const dropRedirect = (env: Env, token: string): Promise<void> => writeRecord(env, token, null);

/** Writes what D1 holds for the token now (or removes the record when no dynamic code has it). */
export async function reconcileRedirect(env: Env, token: string): Promise<RedirectRecord | null> {
  const code = await findCodeByShortToken(env.DB, token);
  const record = code ? redirectRecordOf(code) : null;
  await writeRecord(env, token, record);
  return record;
}

/**
 * Writes (or deletes) the KV copy after D1 committed the change together with its sync marker.
 * The marker is cleared only once KV accepted the write, so a failure here is repaired by the
 * cron instead of being lost. When the marker is no longer ours, a later change was queued while
 * this one was in flight, and its KV write may have landed before ours: then KV is made to match
 * D1 again at once. Never throws: the change itself is already durable.
 */
export async function pushRedirect(env: Env, token: string, record: RedirectRecord | null, marker: string): Promise<boolean> {
  try {
    await writeRecord(env, token, record);
    if ((await clearRedirectSync(env.DB, token, marker)) === 0) await reconcileRedirect(env, token);
    return true;
  } catch (err) {
    console.error(JSON.stringify({ level: "warn", event: "redirect_sync_failed", token, error: err instanceof Error ? err.message : String(err) }));
    return false;
  }
}

/**
 * After a KV miss that D1 answered: put the record back, then read D1 once more and correct KV if
 * the code changed (or went) in between, so a refill can never resurrect an older version.
 */
export async function refillRedirect(env: Env, token: string, record: RedirectRecord): Promise<void> {
  try {
    await writeRecord(env, token, record);
    const code = await findCodeByShortToken(env.DB, token);
    const current = code ? redirectRecordOf(code) : null;
    if (current?.version !== record.version) await writeRecord(env, token, current);
  } catch {
    // A failed refill costs the next scan one more D1 read; nothing is lost.
  }
}

/** Markers younger than this belong to a request that may still be writing KV itself. */
const SYNC_GRACE_MS = 60_000;
const SYNC_BATCH = 200;

/**
 * Cron job: re-reads D1 (the source of truth) for every change KV never confirmed and writes
 * the current state, whatever happened in between. Bounded per run; idempotent.
 */
export async function repairPendingRedirects(env: Env, now: Date): Promise<number> {
  const pending = await listPendingRedirectSyncs(env.DB, isoNow(new Date(now.getTime() - SYNC_GRACE_MS)), SYNC_BATCH);
  let repaired = 0;
  for (const { token, queuedAt } of pending) {
    const code = await findCodeByShortToken(env.DB, token);
    const record = code ? redirectRecordOf(code) : null;
    if (await pushRedirect(env, token, record, queuedAt)) repaired++;
    else await countRedirectSyncAttempt(env.DB, token);
  }
  return repaired;
}
