import { clearRedirectSync, clearRedirectSyncStatement, countRedirectSyncAttempt, findCodeByShortToken, listPendingRedirectSyncs } from "../db/qr-codes";
import { isoNow } from "../lib/time";
import { ExpiringMap, ExpiringSet } from "../lib/expiring-set";
import { randomHex } from "../lib/hex";
import { orUnavailable } from "../lib/unavailable";
import { hasLimits, type Limits } from "./limits";
import { hasRouting, hasUtm, type Routing, type Utm } from "./smart-links";
import type { QrCodeRecord } from "./record";
import { linkTarget } from "./catalog";
import type { QrCodeType } from "./types";

/**
 * The short links of dynamic codes, in one place: the redirect-only record (what `/r` and `/p`
 * need), every layer it is kept in (isolate memory, a negative cache, KV with its edge cache, D1
 * as the source of truth) with their lifetimes, how a token is resolved through them, and how KV
 * is kept equal to D1 after every write (sync markers, refills, the cron's repair).
 *
 * Lifetimes: an edit reaches every location within HOT_RECORD_TTL_MS (5 s) + KV_CACHE_TTL (30 s),
 * and at once in the isolate that made it; a token unknown to D1 is remembered as such for
 * NEGATIVE_TTL_MS (30 s) per isolate.
 */

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
  /** Present only for codes with rules or variants (smart-links.ts evaluates them from this record alone). */
  routing?: Routing;
  /** Present only for codes with UTM parameters. */
  utm?: Utm;
  /** Present only for password-protected codes: the PBKDF2 hash the edge checks a submitted password against (codes/code-password.ts). */
  passwordHash?: string;
  /** Present only for codes that send people to limits.fallbackUrl while a destination is broken, and only while one is (destination-health.ts). */
  brokenUrls?: string[];
}

/** Where a scan of the code goes (catalog.ts says, per type); null for a static code or one without a token. */
export function redirectTarget(code: Pick<QrCodeRecord, "type" | "content" | "shortToken">): string | null {
  return code.shortToken ? linkTarget(code.type, code.content, code.shortToken) : null;
}

export function redirectRecordOf(code: QrCodeRecord): RedirectRecord | null {
  const target = redirectTarget(code);
  if (target === null) return null;
  return {
    type: code.type,
    target,
    codeId: code.id,
    orgId: code.orgId,
    updatedAt: code.updatedAt,
    version: code.version,
    ...(hasLimits(code.limits) ? { limits: code.limits } : {}),
    ...(hasRouting(code.routing) ? { routing: code.routing } : {}),
    ...(hasUtm(code.utm) ? { utm: code.utm } : {}),
    ...(code.passwordHash !== null ? { passwordHash: code.passwordHash } : {}),
    ...(code.limits?.fallbackWhenBroken && code.limits.fallbackUrl && code.health?.brokenUrls.length ? { brokenUrls: code.health.brokenUrls } : {}),
  };
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
const hotRecords = new ExpiringMap<RedirectRecord>(HOT_RECORD_TTL_MS, 10_000);

/**
 * Tokens of no dynamic code, for the redirect and the hosted pages alike: a dead link scanned again
 * and again costs one D1 read per isolate every NEGATIVE_TTL_MS instead of one per scan. A code
 * created with such a token (47.6 random bits: in practice never) would resolve after that long.
 */
const NEGATIVE_TTL_MS = 30_000;
const unknownTokens = new ExpiringSet(NEGATIVE_TTL_MS, 10_000);

/** KV's edge cache: an edit reaches every location within this many seconds (KV's minimum is 30). */
export const KV_CACHE_TTL = 30;

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
 * pushRedirect for many changes of one write (a bulk create's codes, codes/bulk.ts): the KV writes
 * `inFlight` at a time, then every marker of those KV accepted cleared in one D1 batch rather than
 * one query each (1,000 codes: 1 round trip instead of 1,000). A marker no longer ours is
 * reconciled, and a failure left to the cron, as pushRedirect does. Never throws.
 */
export async function pushRedirects(env: Env, changes: readonly { token: string; record: RedirectRecord | null }[], marker: string, inFlight = 16): Promise<void> {
  const written: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < changes.length) {
      const { token, record } = changes[next++]!;
      try {
        await writeRecord(env, token, record);
        written.push(token);
      } catch (err) {
        console.error(JSON.stringify({ level: "warn", event: "redirect_sync_failed", token, error: err instanceof Error ? err.message : String(err) }));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, changes.length) }, lane));
  if (written.length === 0) return;
  try {
    const cleared = await env.DB.batch(written.map((token) => clearRedirectSyncStatement(env.DB, token, marker)));
    for (const [i, result] of cleared.entries()) if (result.meta.changes === 0) await reconcileRedirect(env, written[i]!);
  } catch (err) {
    console.error(JSON.stringify({ level: "warn", event: "redirect_sync_failed", tokens: written.length, error: err instanceof Error ? err.message : String(err) }));
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

/**
 * Resolving: the one place a short token is resolved, for the redirect (`/r`) and the hosted pages (`/p`)
 * alike: isolate memory, then KV (edge-cached), then D1, the source of truth.
 *
 * Cost at a viral code's rate: a few KV reads per isolate per minute (hot records live
 * HOT_RECORD_TTL_MS in memory), no D1 read. A KV miss costs one D1 read and a refill after the
 * response. A KV *error* (not a miss) is logged and answered from D1 exactly as a miss, so an
 * outage of KV never takes the links down while D1 is healthy; the D1 answer is then kept in
 * isolate memory (no refill is attempted against a failing KV), so a KV outage costs D1 one read
 * per token per isolate every HOT_RECORD_TTL_MS (plus the requests that arrive together before the
 * first answer). Requests never share a pending read: a promise whose I/O belongs to another
 * request hangs for good if that request is cancelled, so only answers are shared, via memory.
 */
export interface ResolvedLink {
  record: RedirectRecord;
  /** Present when D1 was read to answer: callers that need the whole code need not read it again. */
  code?: QrCodeRecord;
}

interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

async function readKv(env: Env, token: string): Promise<{ record: RedirectRecord | null; failed: boolean }> {
  try {
    return { record: await env.LINKS.get<RedirectRecord>(token, { type: "json", cacheTtl: KV_CACHE_TTL }), failed: false };
  } catch (err) {
    console.error(JSON.stringify({ level: "warn", event: "kv_read_failed", token, error: err instanceof Error ? err.message : String(err) }));
    return { record: null, failed: true };
  }
}

/**
 * The redirect record of a token, or null when no dynamic code has it. DependencyUnavailable
 * when KV has no answer and D1 cannot be read.
 */
export async function resolveShortToken(env: Env, ctx: WaitUntil, token: string): Promise<ResolvedLink | null> {
  const hot = hotRecords.get(token);
  if (hot) return { record: hot };
  const kv = await readKv(env, token);
  if (kv.record) {
    hotRecords.set(token, kv.record);
    return { record: kv.record };
  }
  if (unknownTokens.has(token)) return null;
  const code = await orUnavailable("d1", () => findCodeByShortToken(env.DB, token));
  const record = code ? redirectRecordOf(code) : null;
  if (!code || !record) {
    unknownTokens.add(token);
    return null;
  }
  if (kv.failed) hotRecords.set(token, record);
  else ctx.waitUntil(refillRedirect(env, token, record));
  return { record, code };
}

/** The whole code behind a resolved link (one D1 read unless the resolution already made it). */
export async function codeOfLink(env: Env, token: string, link: ResolvedLink): Promise<QrCodeRecord | null> {
  return link.code ?? orUnavailable("d1", () => findCodeByShortToken(env.DB, token));
}
