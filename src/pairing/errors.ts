/**
 * Why the pairing domain refused something, named by the code the pairing API answers with; the
 * API's envelope (http/pairing/envelope.ts) gives each its status. Messages are written for the
 * caller and go out as they are.
 */
export type PairingRefusalCode =
  | "MISSING_CLIENT_TOKEN"
  | "INVALID_CLIENT_TOKEN"
  | "INSTANCE_NOT_FOUND"
  | "FORBIDDEN"
  | "INVALID_PHONE"
  | "PAUSED"
  | "INVALID_PAIRING_VALUE"
  | "ALREADY_USED"
  | "EXPIRED";

export class PairingRefusal extends Error {
  constructor(
    readonly code: PairingRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = "PairingRefusal";
  }
}
