import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { mintSecret } from "../../src/auth/secrets";
import { insertOrganization } from "../../src/db/accounts";
import { insertPairingInstance, upsertClientToken } from "../../src/db/pairing";
import { type PairingInstance, pairingInstanceOf } from "../../src/objects/pairing-instance";
import { call } from "./qr-support";

/** Pairing test helpers: an organization with a Client-Token and instances, calls, and the instance clock. */

export interface PairingSeed {
  orgId: string;
  clientToken: string;
  instanceId: string;
  token: string;
}

export async function seedInstance(orgId: string, pauseAfter = 3) {
  const token = await mintSecret("pairingInstanceToken");
  const instance = await insertPairingInstance(env.DB, orgId, { name: "Till 1", pauseAfter, tokenHash: token.hash, tokenPrefix: token.prefix });
  return { instanceId: instance.id, token: token.secret };
}

export async function seedPairing(pauseAfter = 3): Promise<PairingSeed> {
  const org = await insertOrganization(env.DB, { name: `Pairing ${crypto.randomUUID()}` });
  const client = await mintSecret("pairingClientToken");
  await upsertClientToken(env.DB, org.id, client.hash, client.prefix);
  return { orgId: org.id, clientToken: client.secret, ...(await seedInstance(org.id, pauseAfter)) };
}

/** GET `/instances/{id}/token/{token}/{path}` with the Client-Token header. */
export const pairingGet = (seed: Pick<PairingSeed, "instanceId" | "token" | "clientToken">, path: string, clientToken: string | null = seed.clientToken) =>
  call("GET", `/instances/${seed.instanceId}/token/${seed.token}/${path}`, { headers: clientToken === null ? {} : { "Client-Token": clientToken } });

export const confirm = (body: unknown) => call("POST", "/pairing/confirm", { body });

export const stubOf = (instanceId: string) => pairingInstanceOf(env, instanceId);

/** Moves one instance's clock forward (the object's test-only offset, set from inside it). */
export async function advance(instanceId: string, ms: number): Promise<void> {
  await runInDurableObject(stubOf(instanceId), (object: PairingInstance) => {
    object.clockOffsetMs += ms;
  });
}
