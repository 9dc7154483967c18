import { dayOf } from "../analytics/event";
import { deleteEventsBefore, deleteSaltsBefore, expireVisitorsBefore } from "../db/analytics";
import { isoNow } from "../lib/time";
import { archivedDaysFrom, midnightOf } from "../analytics/archive";
import { deleteEventsBetween } from "../db/archive";

const DAY_MS = 86_400_000;
/** Rows deleted per run: a run must finish well inside the cron's CPU budget. */
const EVENTS_PER_RUN = 5_000;
const VISITORS_PER_RUN = 5_000;
export const DEFAULT_RETENTION_DAYS = 395;

export function retentionDays(env: Env): number {
  const days = Number(env.SCAN_RETENTION_DAYS);
  return Number.isInteger(days) && days >= 1 ? days : DEFAULT_RETENTION_DAYS;
}

/**
 * Raw scan and view rows past retention go; the daily rollups (and their frozen unique counts) stay.
 * Rows of the days the raw-scan archive answers for (archivedDaysFrom: archived in full, and past
 * SCAN_RAW_WINDOW_DAYS) go too, whole days at a time, so an export reads each day from one place.
 */
export async function purgeOldScans(env: Env, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays(env) * DAY_MS);
  const visitors = await expireVisitorsBefore(env.DB, dayOf(cutoff), VISITORS_PER_RUN);
  const events = await deleteEventsBefore(env.DB, isoNow(cutoff), EVENTS_PER_RUN);
  const archived = await archivedDaysFrom(env, now);
  const pastWindow = archived === null ? 0 : await deleteEventsBetween(env.DB, midnightOf(archived.from), midnightOf(archived.to), EVENTS_PER_RUN);
  return events + visitors + pastWindow;
}

/** Yesterday's salt is still needed for scans queued around midnight; older ones make hashes unlinkable. */
export async function purgeVisitorSalts(env: Env, now: Date): Promise<number> {
  return deleteSaltsBefore(env.DB, dayOf(new Date(now.getTime() - DAY_MS)));
}
