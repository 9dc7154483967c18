import { mintSecret } from "../auth/secrets";
import {
  deletePhoneCodeRoutes,
  findPairingInstance,
  hardDeletePairingInstance,
  insertPairingInstance,
  markPairingInstanceDeleted,
  upsertClientToken,
  type ClientToken,
  type PairingInstanceRecord,
} from "../db/pairing";
import { pairingInstanceOf } from "../objects/pairing-instance";

/**
 * An instance's life as an administrator sees it: created with its token (shown once), looked at,
 * deleted; and the organization's Client-Token, created or rotated. Deleting is two steps so that
 * it takes effect at once whatever fails: the row is marked (every call answers 404 from then on),
 * then purgeInstance wipes what the instance holds, now or, if that fails, in the next cron run.
 */

/** Unscanned QR rotations before an instance pauses until restart, when its creator says nothing. */
export const DEFAULT_PAUSE_AFTER = 3;

export interface NewInstance {
  name: string;
  pauseAfter: number;
}

export async function createInstance(env: Env, orgId: string, input: NewInstance): Promise<{ instance: PairingInstanceRecord; secret: string }> {
  const token = await mintSecret("pairingInstanceToken");
  const instance = await insertPairingInstance(env.DB, orgId, { ...input, tokenHash: token.hash, tokenPrefix: token.prefix });
  return { instance, secret: token.secret };
}

/** Creates the organization's Client-Token, or replaces it: the old one stops working at once. */
export async function rotateClientToken(env: Env, orgId: string): Promise<{ clientToken: ClientToken; secret: string }> {
  const token = await mintSecret("pairingClientToken");
  const clientToken = await upsertClientToken(env.DB, orgId, token.hash, token.prefix);
  return { clientToken, secret: token.secret };
}

/** A live instance with whether a device is linked to it; null when there is none. */
export async function describeInstance(env: Env, instanceId: string) {
  const instance = await findPairingInstance(env.DB, instanceId);
  if (!instance) return null;
  const { connected, deviceName } = await pairingInstanceOf(env, instance.id).status();
  return { instance, connected, deviceName };
}

/**
 * Wipes an instance already marked deleted: its object's storage (alarm included), its phone-code
 * routes, then its row (its connection history goes with it). Each step may be repeated, so a
 * purge that stopped halfway is finished by the next.
 */
export async function purgeInstance(env: Env, instanceId: string): Promise<void> {
  await pairingInstanceOf(env, instanceId).purge();
  await deletePhoneCodeRoutes(env.DB, instanceId);
  await hardDeletePairingInstance(env.DB, instanceId);
}

/**
 * Deletes a live instance: its calls answer 404 at once, its state is purged now or, when that
 * fails (the object unreachable), by the cron. The instance as it was; null when there was none.
 */
export async function deleteInstance(env: Env, instanceId: string): Promise<PairingInstanceRecord | null> {
  const instance = await markPairingInstanceDeleted(env.DB, instanceId);
  if (!instance) return null;
  try {
    await purgeInstance(env, instance.id);
  } catch (err) {
    // The row stays marked; the cron's purgeDeletedPairingInstances finishes the job.
    console.error(JSON.stringify({ level: "warn", what: "pairing instance purge deferred", instance: instance.id, error: String(err) }));
  }
  return instance;
}
