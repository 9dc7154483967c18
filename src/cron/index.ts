import { purgeDeletedOrganizations, unpublishInactiveLinks } from "../accounts/lifecycle";
import { repairPendingRedirects } from "../codes/short-links";
import { checkDestinations } from "../codes/destination-health";
import { deleteIdempotencyKeysBefore } from "../db/qr-codes";
import { isoNow } from "../lib/time";
import { requeueUnsentDeliveries } from "../webhooks/events";
import { purgeExpiredConsoleSessions, purgeSpentSignInLinks } from "./console-sign-in";
import { purgeOrphanUploads, purgeStaleRenders, verifyRedirects } from "./orphans";
import { purgeDeletedPairingInstances, purgeExpiredPhoneCodes, sweepPairingInstances } from "./pairing";
import { purgeOldScans, purgeVisitorSalts } from "./retention";

/**
 * Scheduled jobs, one function each, each bounded per run (so a run ends well inside the CPU
 * limit, and a backlog drains over several runs) and idempotent (a repeated run does nothing
 * new). Each reports how many things it handled in one structured log line.
 */
export type ScheduledJob = (env: Env, now: Date) => Promise<number>;

/** Idempotency-Key replays are honoured for a day, as Stripe and the IETF draft suggest. */
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const IDEMPOTENCY_PURGE_BATCH = 1000;

export const jobs: Record<string, ScheduledJob> = {
  /** KV writes D1 committed but KV never confirmed: rewrite them from D1. */
  repairRedirects: repairPendingRedirects,
  expireIdempotencyKeys: (env, now) => deleteIdempotencyKeysBefore(env.DB, isoNow(new Date(now.getTime() - IDEMPOTENCY_TTL_MS)), IDEMPOTENCY_PURGE_BATCH),
  /** Raw scan and view rows past SCAN_RETENTION_DAYS, and archived ones past SCAN_RAW_WINDOW_DAYS; rollups stay. */
  purgeOldScans,
  purgeVisitorSalts,
  /** Uploads no code refers to, after ORPHAN_UPLOAD_GRACE_HOURS. */
  purgeOrphanUploads,
  purgeStaleRenders,
  /** KV records whose code is gone, or whose version is not D1's. */
  verifyRedirects: (env) => verifyRedirects(env),
  /** Organizations deactivated or being deleted: their links off KV, a page per run. */
  unpublishInactiveLinks: (env) => unpublishInactiveLinks(env),
  /** Organizations being deleted: analytics, codes and files a page per run, then the row. */
  purgeDeletedOrganizations: (env) => purgeDeletedOrganizations(env),
  /** Pairing: expired phone-code routes, deleted instances' state, and expired values a lost alarm left. */
  purgeExpiredPhoneCodes,
  purgeDeletedPairingInstances: (env) => purgeDeletedPairingInstances(env),
  sweepPairingInstances,
  /** Console sign-in: sessions past their expiry, invite/reset links used or expired. */
  purgeExpiredConsoleSessions: (env, now) => purgeExpiredConsoleSessions(env, now),
  purgeSpentSignInLinks: (env, now) => purgeSpentSignInLinks(env, now),
  /** Dynamic codes' destinations: a bounded, per-host spread batch of checks; broken and recovered ones update their codes. */
  checkDestinations: (env, now) => checkDestinations(env, now),
  /** Webhook deliveries whose queue message was never sent: queued again after 10 minutes. */
  requeueUnsentWebhooks: requeueUnsentDeliveries,
};

export async function runScheduledJobs(controller: ScheduledController, env: Env): Promise<Record<string, number>> {
  const now = new Date(controller.scheduledTime);
  const results: Record<string, number> = {};
  for (const [name, job] of Object.entries(jobs)) {
    try {
      results[name] = await job(env, now);
      console.log(JSON.stringify({ level: "info", job: name, result: results[name] }));
    } catch (err) {
      // One failing job must not stop the others; the next trigger retries it.
      console.error(JSON.stringify({ level: "error", job: name, error: err instanceof Error ? err.message : String(err) }));
      results[name] = -1;
    }
  }
  return results;
}
