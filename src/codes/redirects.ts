import { clearRedirectSync, countRedirectSyncAttempt, findCodeByShortToken, listPendingRedirectSyncs, type QrCodeRecord } from "../db/qr-codes";
import { isoNow } from "../db/time";
import { hasLimits, type Limits } from "./limits";
import { isDynamicType, type QrCodeType } from "./types";

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
 * Writes (or deletes) the KV copy after D1 committed the change together with a sync marker.
 * The marker is cleared only once KV accepted the write, so a failure here is repaired by the
 * cron instead of being lost. Never throws: the change itself is already durable.
 */
export async function pushRedirect(env: Env, token: string, record: RedirectRecord | null, queuedAt: string): Promise<boolean> {
  try {
    if (record) await env.LINKS.put(token, JSON.stringify(record));
    else await env.LINKS.delete(token);
  } catch (err) {
    console.error(JSON.stringify({ level: "warn", event: "redirect_sync_failed", token, error: err instanceof Error ? err.message : String(err) }));
    return false;
  }
  await clearRedirectSync(env.DB, token, queuedAt).catch(() => undefined);
  return true;
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
