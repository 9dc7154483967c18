import { findCodeByShortToken } from "../db/qr-codes";
import type { QrCodeRecord } from "./record";
import { unknownTokens } from "../lib/expiring-set";
import { orUnavailable } from "../lib/unavailable";
import { hotRecords, redirectRecordOf, refillRedirect, type RedirectRecord } from "./redirects";

/**
 * The one place a short token is resolved, for the redirect (`/r`) and the hosted pages (`/p`)
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

/** KV's edge cache: an edit reaches every location within this many seconds (KV's minimum is 30). */
export const KV_CACHE_TTL = 30;

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
