import { closeConnection, deletePhoneCodeRoutes, findPairingInstance, findPhoneCodeRoutes, INSTANCE_ID_PATTERN, insertConnection, phoneCodeDigest } from "../db/pairing";
import { type ConfirmAnswer, type InstanceStatus, pairingInstanceOf } from "../objects/pairing-instance";
import { PairingRefusal } from "./errors";
import { normalisePhone, normalisePhoneCode } from "./phone";
import { isoAt } from "../lib/time";

/**
 * Linking a device and unlinking it. The scanning device confirms with the value it read from the
 * QR code, or with the phone number and the code shown for it; the value is the credential (192
 * random bits, 20 seconds of life, single-use, meaningful only to the instance it names), a phone
 * code allows 5 wrong guesses. The object decides; D1 keeps the connection history.
 */

/** What the scanning device presents. */
export type PairingProof = { value: string } | { phone: string; code: string };

export interface Connected {
  instanceId: string;
  deviceName: string;
  /** ISO 8601, as the history row has it. */
  connectedAt: string;
}

/** `<instance id>.<32 base64url characters>` */
const VALUE_SHAPE = /^([0-9A-F]{32})\.[A-Za-z0-9_-]{32}$/;
/** Instances tried for one number and code (two instances drawing the same code for one number is rare). */
const MAX_ROUTES = 5;

const unknownProof = (byValue: boolean) =>
  new PairingRefusal("INVALID_PAIRING_VALUE", byValue ? "Unknown pairing value" : "Unknown phone number or wrong code");

function refusal(answer: Exclude<ConfirmAnswer, { kind: "connected" }>, byValue: boolean): PairingRefusal {
  if (answer.kind === "used") return new PairingRefusal("ALREADY_USED", byValue ? "This value was already used" : "This code was already used");
  if (answer.kind === "expired") return new PairingRefusal("EXPIRED", byValue ? "This value has expired; scan the new QR code" : "This code has expired; request a new one");
  return unknownProof(byValue);
}

async function confirmByValue(env: Env, value: string, deviceName: string): Promise<{ instanceId: string; answer: ConfirmAnswer }> {
  const match = VALUE_SHAPE.exec(value);
  const instanceId = match?.[1];
  // The instance must exist before its object is woken: a made-up id never creates one.
  if (instanceId === undefined || !INSTANCE_ID_PATTERN.test(instanceId) || !(await findPairingInstance(env.DB, instanceId))) throw unknownProof(true);
  return { instanceId, answer: await pairingInstanceOf(env, instanceId).confirmValue(value, deviceName) };
}

/** Asks each instance that was given this very code for this number, until one knows it. */
async function confirmByPhoneCode(env: Env, phone: string, code: string, deviceName: string): Promise<{ instanceId: string; answer: ConfirmAnswer }> {
  for (const candidate of await findPhoneCodeRoutes(env.DB, phone, await phoneCodeDigest(phone, code), MAX_ROUTES)) {
    const answer = await pairingInstanceOf(env, candidate).confirmPhoneCode(phone, code, deviceName);
    if (answer.kind !== "invalid") return { instanceId: candidate, answer };
  }
  return { instanceId: "", answer: { kind: "invalid" } };
}

/**
 * Links the device that presents `proof` to its instance and records the connection. Of racing
 * confirmations exactly one connects; the others are ALREADY_USED. Refusals: INVALID_PAIRING_VALUE
 * (unknown value, number or code), ALREADY_USED, EXPIRED.
 */
export async function confirmPairing(env: Env, proof: PairingProof, deviceName: string): Promise<Connected> {
  const byValue = "value" in proof;
  let phone: string | null = null;
  let attempt: { instanceId: string; answer: ConfirmAnswer };
  if (byValue) attempt = await confirmByValue(env, proof.value, deviceName);
  else {
    phone = normalisePhone(proof.phone);
    if (!phone) throw unknownProof(false);
    attempt = await confirmByPhoneCode(env, phone, normalisePhoneCode(proof.code), deviceName);
  }
  const { instanceId, answer } = attempt;
  if (answer.kind !== "connected") throw refusal(answer, byValue);
  const connectedAt = isoAt(answer.connectedAt);
  await Promise.all([
    insertConnection(env.DB, { id: answer.sessionId, instanceId, deviceName, method: phone ? "phone" : "qr", phone, connectedAt }),
    // A spent code keeps its route, so a second try hears "already used" until it expires.
    deletePhoneCodeRoutes(env.DB, instanceId, phone),
  ]);
  return { instanceId, deviceName, connectedAt };
}

/** Whether a device is linked, and which. */
export function connectionStatus(env: Env, instanceId: string): Promise<InstanceStatus> {
  return pairingInstanceOf(env, instanceId).status();
}

/** Unlinks the device (idempotent): the history row is closed and pending phone codes lose their routes. */
export async function disconnectInstance(env: Env, instanceId: string): Promise<void> {
  const ended = await pairingInstanceOf(env, instanceId).disconnect();
  await Promise.all([
    ended && ended.sessionId ? closeConnection(env.DB, ended.sessionId, isoAt(ended.disconnectedAt)) : null,
    deletePhoneCodeRoutes(env.DB, instanceId),
  ]);
}

/** Ends a pause: the next value shown is a new one, and the unscanned count starts again. */
export async function restartInstance(env: Env, instanceId: string): Promise<void> {
  await pairingInstanceOf(env, instanceId).restart();
}
