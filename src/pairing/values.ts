import { phoneCodeDigest, upsertPhoneCodeRoute, type PairingInstanceRecord } from "../db/pairing";
import { pairingInstanceOf } from "../objects/pairing-instance";
import { PairingRefusal } from "./errors";
import { normalisePhone } from "./phone";
import { isoAt } from "../lib/time";

/**
 * What an instance's screen shows to be scanned or typed: the current QR value (a new one every 20
 * seconds, until it pauses) and a phone number's code. The instance's Durable Object decides both;
 * a connected instance has nothing to show.
 */

export type ShownValue = { kind: "connected" } | { kind: "value"; value: string; expiresAt: number };
export type ShownPhoneCode = { kind: "connected" } | { kind: "code"; code: string; expiresAt: number };

/** The current value, a new one once it has expired; PAUSED after `pauseAfter` values in a row went unscanned. */
export async function currentPairingValue(env: Env, instance: Pick<PairingInstanceRecord, "id" | "pauseAfter">): Promise<ShownValue> {
  const answer = await pairingInstanceOf(env, instance.id).qrCode(instance.id, instance.pauseAfter);
  if (answer.kind === "paused") throw new PairingRefusal("PAUSED", `No code was scanned in ${answer.rotations} rotations; call restart to show a new one`);
  return answer;
}

/** The phone's pending code (the same one within its life) or a new one; INVALID_PHONE unless `phoneText` is E.164. */
export async function phoneCodeFor(env: Env, instanceId: string, phoneText: string): Promise<ShownPhoneCode> {
  const phone = normalisePhone(phoneText);
  if (!phone) throw new PairingRefusal("INVALID_PHONE", "phone must be an E.164 number: country code and number, 8 to 15 digits, optionally after +");
  const answer = await pairingInstanceOf(env, instanceId).phoneCode(phone);
  if (answer.kind === "connected") return answer;
  // The phone confirms with its number and code only: this row routes it to the instance.
  if (answer.fresh) await upsertPhoneCodeRoute(env.DB, phone, instanceId, isoAt(answer.expiresAt), await phoneCodeDigest(phone, answer.code));
  return { kind: "code", code: answer.code, expiresAt: answer.expiresAt };
}
