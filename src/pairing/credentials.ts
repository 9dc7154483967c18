import { digestsEqual, hashSecret, isWellFormedSecret } from "../auth/secrets";
import { findPairingCredentials, type PairingInstanceRecord } from "../db/pairing";
import { PairingRefusal } from "./errors";

/** What a call on an instance presents: the organization's Client-Token, the instance id and its token. */
export interface InstanceCredentials {
  clientToken: string | undefined;
  instanceId: string;
  instanceToken: string;
}

const invalidClientToken = (message = "Invalid Client-Token") => new PairingRefusal("INVALID_CLIENT_TOKEN", message);
/** The same answer for an unknown instance id and a wrong instance token. */
const instanceNotFound = () => new PairingRefusal("INSTANCE_NOT_FOUND", "Instance not found");

/**
 * The instance a call may act on, checked in this order: no or malformed Client-Token (no
 * database read), unknown Client-Token, a Client-Token of a deactivated organization (same code,
 * its own message), then an unknown instance and a wrong instance token the same refusal (so only
 * a caller holding the token learns that an instance exists), then a Client-Token of another
 * organization. Both secrets are hashed whatever their shape and looked up in one D1 round trip.
 */
export async function authenticateInstanceCall(env: Env, credentials: InstanceCredentials): Promise<PairingInstanceRecord> {
  const { clientToken, instanceId, instanceToken } = credentials;
  if (clientToken === undefined || clientToken === "") throw new PairingRefusal("MISSING_CLIENT_TOKEN", "The Client-Token header is required");
  if (!isWellFormedSecret(clientToken, "pairingClientToken")) throw invalidClientToken();
  const [clientHash, tokenHash] = await Promise.all([hashSecret(clientToken), hashSecret(instanceToken)]);
  const { client, instance } = await findPairingCredentials(env.DB, clientHash, instanceId);
  if (!client || !digestsEqual(clientHash, client.storedHash)) throw invalidClientToken();
  if (!client.orgActive) throw invalidClientToken("This Client-Token's account is deactivated");
  const tokenMatches = instance !== null && digestsEqual(tokenHash, instance.storedHash);
  if (!instance || !tokenMatches || !isWellFormedSecret(instanceToken, "pairingInstanceToken")) throw instanceNotFound();
  if (instance.orgId !== client.orgId) throw new PairingRefusal("FORBIDDEN", "This Client-Token belongs to another account than the instance");
  const { storedHash: _, ...record } = instance;
  return record;
}
