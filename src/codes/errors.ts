/**
 * What can go wrong when a code is read or written, said in the domain's words. The API families
 * render them (src/http/errors.ts gives the QR code resource's statuses; message QR codes catch
 * them and answer in Alibaba's envelope).
 */

/** No such code in this organization (also for another organization's id: the two are one answer). */
export class CodeNotFound extends Error {
  constructor() {
    super("QR code not found");
    this.name = "CodeNotFound";
  }
}

/** The code is no longer the version the caller based the change on (If-Match, or a concurrent write). */
export class CodeChanged extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CodeChanged";
  }
}

/** The code belongs to a message QR code and changes only through that API. */
export class CodeManagedByMessageQrdl extends Error {
  constructor() {
    super("This QR code is the deep link of a message QR code; change it with UpdatePhoneMessageQrdl (deleting it here deletes the message QR code too)");
    this.name = "CodeManagedByMessageQrdl";
  }
}

/** An Idempotency-Key seen before with a different request. */
export class IdempotencyKeyReused extends Error {
  constructor() {
    super("This Idempotency-Key was already used with a different request body; use a new key for a new request");
    this.name = "IdempotencyKeyReused";
  }
}
