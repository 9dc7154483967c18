import { deleteExpiredPhoneCodeRoutes, listDeletedPairingInstanceIds, listPairingInstanceIdsAfter } from "../db/pairing";
import { getServiceValue, setServiceValue } from "../db/service-meta";
import { isoNow } from "../lib/time";
import { pairingInstanceOf } from "../objects/pairing-instance";
import { purgeInstance } from "../pairing/instances";

// Pairing cleanup. Each instance's alarm removes its own expired values and codes a minute after
// they expire; these jobs are the backstop and clear what lives outside the objects.

const ROUTES_PER_RUN = 1_000;
const DELETED_PER_RUN = 100;
const SWEPT_PER_RUN = 100;
const SWEEP_CURSOR_KEY = "pairing_sweep_cursor";

/** Phone-code routing rows (D1) whose code has expired. */
export const purgeExpiredPhoneCodes = (env: Env, now: Date): Promise<number> => deleteExpiredPhoneCodeRoutes(env.DB, isoNow(now), ROUTES_PER_RUN);

/**
 * Deleted instances whose purge did not happen when they were deleted (or that went with their
 * organization): purged as the admin API does, oldest deletion first.
 */
export async function purgeDeletedPairingInstances(env: Env): Promise<number> {
  const ids = await listDeletedPairingInstanceIds(env.DB, DELETED_PER_RUN);
  for (const id of ids) await purgeInstance(env, id);
  return ids.length;
}

/**
 * Walks the live instances a page per run (resuming where the last run stopped) and asks each
 * object to drop values and codes that expired, in case an alarm was lost.
 */
export async function sweepPairingInstances(env: Env, now: Date): Promise<number> {
  const after = (await getServiceValue(env.DB, SWEEP_CURSOR_KEY)) ?? "";
  const ids = await listPairingInstanceIdsAfter(env.DB, after, SWEPT_PER_RUN);
  let removed = 0;
  for (const id of ids) removed += await pairingInstanceOf(env, id).sweep(now.getTime());
  await setServiceValue(env.DB, SWEEP_CURSOR_KEY, ids.length === SWEPT_PER_RUN ? ids[ids.length - 1]! : null);
  return removed;
}
