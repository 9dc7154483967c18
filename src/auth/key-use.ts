import { isoNow } from "../lib/time";

/**
 * A key's last_used_at is refreshed at most this often: D1 has one writer, and a key that signs a
 * request a second must not cost a write a second. Every kind of key follows this one rule.
 */
export const KEY_USE_INTERVAL_MS = 60_000;

/**
 * Records that a key was used, after the response and only when its stored last use is older than
 * the interval. `touch` is handed that cutoff so its UPDATE re-checks it: isolates that all read
 * the same stale time still change the row once.
 */
export function recordKeyUse(
  ctx: { waitUntil(promise: Promise<unknown>): void },
  lastUsedAt: string | null,
  touch: (staleBefore: string) => Promise<void>,
  now = Date.now(),
): void {
  const staleBefore = isoNow(new Date(now - KEY_USE_INTERVAL_MS));
  if (lastUsedAt !== null && lastUsedAt >= staleBefore) return;
  // A lost timestamp is not worth failing or delaying a request for.
  ctx.waitUntil(touch(staleBefore).catch(() => undefined));
}
