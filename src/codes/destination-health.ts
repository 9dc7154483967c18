import { findCodesAnyOrganization, queueRedirectSyncStatement } from "../db/qr-codes";
import {
  listChecksOfCodes,
  listDueChecks,
  postponeCheckStatement,
  recordCheckStatement,
  setDestinationHealthStatement,
  syncDestinationChecksStatements,
  type DestinationCheckRow,
} from "../db/destination-checks";
import { probePublicUrl, SafeFetchError, type Fetcher } from "../lib/safe-fetch";
import { isoNow } from "../lib/time";
import { isHttpUrl } from "../lib/urls";
import { emitWebhookEvent } from "../webhooks/events";
import type { DestinationHealth, QrCodeRecord } from "./record";
import { pushRedirect, redirectRecordOf, redirectTarget, syncMarker } from "./short-links";

export type { DestinationHealth };

/**
 * Destination health: the cron checks every http(s) destination of each dynamic code (its url,
 * its rules' and its variants' urls) and keeps a status on the code. Where the owner opted in
 * (`limits.fallbackWhenBroken`, with a fallbackUrl), the redirect sends a scan whose destination is
 * broken to the fallbackUrl, and back as soon as a check finds it working again.
 *
 * - A check is HEAD, then GET when HEAD fails or is refused (the body is never read), through the
 *   SSRF-safe fetcher (lib/safe-fetch.ts), 5 s, 3 redirects. A destination is broken when it
 *   answers 404, 410, 451 or 5xx, or does not answer at all, BROKEN_AFTER checks in a row (one
 *   failure is a blip); any other answer is working (401/403/429 say the server is there, and
 *   sites that turn robots away answer them too).
 * - Bounded per run (CHECKS_PER_RUN), spread over time (a working URL again after 6 h, give or take
 *   10% by its hash, so codes made together are not checked together), and per host: at most
 *   PER_HOST_PER_RUN checks of a host per run, and a failing URL backs off 5 min, doubling to 6 h.
 *   Once a host fails in a run, its other due rows wait for the next run.
 * - Cost: one D1 read of due rows, the probes, one batch of results, and for codes whose summary
 *   changed one read and one batch more. The redirect costs nothing more: the broken URLs ride in
 *   the redirect record (short-links.ts) only for codes that opted in.
 */

export const BROKEN_AFTER = 2;
export const CHECKS_PER_RUN = 40;
export const PER_HOST_PER_RUN = 2;
const IN_FLIGHT = 6;
const CHECK_TIMEOUT_MS = 5_000;
const WORKING_INTERVAL_MS = 6 * 60 * 60 * 1000;
const FIRST_RETRY_MS = 5 * 60 * 1000;

/** Every http(s) destination a scan of the code can reach: checked, and one row each. */
export function checkedUrls(code: Pick<QrCodeRecord, "type" | "content" | "shortToken" | "routing">): { url: string; host: string }[] {
  const target = redirectTarget(code);
  if (target === null) return [];
  const urls = [target, ...(code.routing?.rules.map((rule) => rule.url) ?? []), ...(code.routing?.variants.flatMap((variant) => (variant.url ? [variant.url] : [])) ?? [])];
  return [...new Set(urls.filter(isHttpUrl))].map((url) => ({ url, host: new URL(url).hostname.toLowerCase() }));
}

/** The rows a write keeps in step with the code (in its batch, under its version check; see db/destination-checks.ts). */
export const syncChecksStatements = (db: D1Database, code: QrCodeRecord, version: number, now: string): D1PreparedStatement[] =>
  syncDestinationChecksStatements(db, code, checkedUrls(code), version, now);

/** 404, 410, 451, 5xx or no answer at all: the destination does not serve people. */
const failed = (status: number | null) => status === null || status === 404 || status === 410 || status === 451 || status >= 500;

/** A stable fraction in [-1, 1) of a URL, so its re-checks spread out instead of bunching. */
function spreadOf(url: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < url.length; i++) hash = Math.imul(hash ^ url.charCodeAt(i), 0x01000193);
  return ((hash >>> 0) / 2 ** 32) * 2 - 1;
}

/** The row after one check at `now` that got `status` (or none, and `error`). Pure: tests drive it on any clock. */
export function afterCheck(row: DestinationCheckRow, answer: CheckAnswer, now: Date): DestinationCheckRow {
  const at = isoNow(now);
  const later = (ms: number) => isoNow(new Date(now.getTime() + ms));
  // An intranet target is legitimate for people inside it; the cron just cannot see it.
  if (answer.refused) return { ...row, status: "unknown", broken_since: null, checked_at: at, last_status: null, last_error: answer.error, failures: 0, next_check_at: later(WORKING_INTERVAL_MS) };
  if (!failed(answer.status)) {
    return { ...row, status: "ok", broken_since: null, checked_at: at, last_status: answer.status, last_error: null, failures: 0, next_check_at: later(WORKING_INTERVAL_MS * (1 + 0.1 * spreadOf(row.url))) };
  }
  const failures = row.failures + 1;
  const broken = failures >= BROKEN_AFTER;
  return {
    ...row,
    status: broken ? "broken" : row.status,
    broken_since: broken ? (row.broken_since ?? at) : row.broken_since,
    checked_at: at,
    last_status: answer.status,
    last_error: answer.error,
    failures,
    next_check_at: later(Math.min(WORKING_INTERVAL_MS, FIRST_RETRY_MS * 2 ** (failures - 1))),
  };
}

/** The code's summary from all its rows; null before any was checked. */
export function summarize(rows: readonly DestinationCheckRow[]): DestinationHealth | null {
  const checked = rows.filter((row) => row.checked_at !== null && row.status !== "unknown");
  if (checked.length === 0) return null;
  const broken = checked.filter((row) => row.status === "broken");
  const latest = (list: readonly DestinationCheckRow[]) => list.reduce((a, b) => (b.checked_at! > a.checked_at! ? b : a));
  const shown = latest(broken.length > 0 ? broken : checked);
  return {
    status: broken.length > 0 ? "broken" : checked.length === rows.length || checked.every((row) => row.status === "ok") ? "ok" : "unknown",
    checkedAt: latest(checked).checked_at,
    brokenSince: broken.length > 0 ? broken.map((row) => row.broken_since!).sort()[0]! : null,
    lastAnswer: { url: shown.url, status: shown.last_status, error: shown.last_error, at: shown.checked_at! },
    brokenUrls: broken.map((row) => row.url).sort(),
  };
}

export interface CheckAnswer {
  status: number | null;
  error: string | null;
  /** The URL may not be fetched from here (a private or loopback host, an odd port): not checked, never broken. */
  refused?: boolean;
}

async function probe(url: string, fetcher: Fetcher | undefined): Promise<CheckAnswer> {
  try {
    return { status: (await probePublicUrl(url, { timeoutMs: CHECK_TIMEOUT_MS, fetcher })).status, error: null };
  } catch (err) {
    if (err instanceof SafeFetchError && err.reason === "FORBIDDEN_URL") return { status: null, error: `not checked: ${err.message}`, refused: true };
    return { status: null, error: err instanceof SafeFetchError ? `${err.reason}: ${err.message}` : "the check failed" };
  }
}

export interface CheckOptions {
  /** Injected in tests: the local targets that fail and recover. */
  fetcher?: Fetcher;
}

/**
 * Cron job: checks the destinations that are due (bounded, spread per host), records each answer,
 * and updates the summaries of the codes whose status changed: their redirect records (for codes
 * that opted in to the fallback) and a qr_code.destination_broken or qr_code.destination_recovered
 * event. Returns how many destinations it checked.
 */
export async function checkDestinations(env: Env, now: Date, options: CheckOptions = {}): Promise<number> {
  const db = env.DB;
  const due = await listDueChecks(db, isoNow(now), CHECKS_PER_RUN * 2);
  const perHost = new Map<string, number>();
  const picked: DestinationCheckRow[] = [];
  for (const row of due) {
    const seen = perHost.get(row.host) ?? 0;
    if (seen >= PER_HOST_PER_RUN || picked.length >= CHECKS_PER_RUN) continue;
    perHost.set(row.host, seen + 1);
    picked.push(row);
  }
  const checked: DestinationCheckRow[] = [];
  const statements: D1PreparedStatement[] = [];
  const failingHosts = new Set<string>();
  let next = 0;
  const lane = async () => {
    while (next < picked.length) {
      const row = picked[next++]!;
      // A host that already failed this run is not asked again: its row waits, backing off.
      if (failingHosts.has(row.host)) {
        statements.push(postponeCheckStatement(db, row.code_id, row.url, isoNow(new Date(now.getTime() + FIRST_RETRY_MS))));
        continue;
      }
      const answer = await probe(row.url, options.fetcher);
      if (failed(answer.status) && !answer.refused) failingHosts.add(row.host);
      const after = afterCheck(row, answer, now);
      checked.push(after);
      statements.push(recordCheckStatement(db, after));
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, picked.length) }, lane));
  if (statements.length === 0) return 0;
  await db.batch(statements);
  await updateSummaries(env, [...new Set(checked.map((row) => row.code_id))]);
  return checked.length;
}

/** Recomputes the codes' summaries; where one changed, stores it, re-syncs the redirect record if it serves the fallback, and tells the webhooks. */
async function updateSummaries(env: Env, codeIds: readonly string[]): Promise<void> {
  const db = env.DB;
  const rows = await listChecksOfCodes(db, codeIds);
  const codes = await findCodesAnyOrganization(db, codeIds);
  const statements: D1PreparedStatement[] = [];
  const pushes: { token: string; code: QrCodeRecord }[] = [];
  const events: { code: QrCodeRecord; health: DestinationHealth; type: "qr_code.destination_broken" | "qr_code.destination_recovered" }[] = [];
  const marker = syncMarker();
  for (const code of codes) {
    const health = summarize(rows.filter((row) => row.code_id === code.id));
    if (JSON.stringify(health) === JSON.stringify(code.health)) continue;
    statements.push(setDestinationHealthStatement(db, code.id, health ? JSON.stringify(health) : null));
    const brokenBefore = code.health?.brokenUrls ?? [];
    const brokenNow = health?.brokenUrls ?? [];
    if (code.limits?.fallbackWhenBroken && code.shortToken && JSON.stringify(brokenBefore) !== JSON.stringify(brokenNow)) {
      statements.push(queueRedirectSyncStatement(db, code.shortToken, marker));
      pushes.push({ token: code.shortToken, code: { ...code, health } });
    }
    const wasBroken = code.health?.status === "broken";
    if (health?.status === "broken" && !wasBroken) events.push({ code, health, type: "qr_code.destination_broken" });
    else if (wasBroken && health?.status !== "broken" && health) events.push({ code, health, type: "qr_code.destination_recovered" });
  }
  if (statements.length === 0) return;
  await db.batch(statements);
  for (const { token, code } of pushes) await pushRedirect(env, token, redirectRecordOf(code), marker);
  for (const { code, health, type } of events) await emitWebhookEvent(env, code.orgId, type, { id: code.id, name: code.name, shortToken: code.shortToken, health });
}
