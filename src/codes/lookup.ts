import { findCode } from "../db/qr-codes";
import { CodeChanged, CodeNotFound } from "./errors";
import { CODE_ID_PATTERN } from "./ids";
import type { QrCodeRecord } from "./record";

/** The version of a code's editable state, as an entity tag; analytics counters are not part of it. */
export const etagOf = (code: Pick<QrCodeRecord, "version">) => `"v${code.version}"`;

/** The organization's code with this id; CodeNotFound for a malformed id, a missing code and another organization's alike. */
export async function requireCode(db: D1Database, orgId: string, id: string): Promise<QrCodeRecord> {
  if (!CODE_ID_PATTERN.test(id)) throw new CodeNotFound();
  const code = await findCode(db, orgId, id);
  if (!code) throw new CodeNotFound();
  return code;
}

/** RFC 9110 If-Match: strong comparison against the current tag, or `*`; nothing to check without one. */
export function checkIfMatch(ifMatch: string | undefined, code: QrCodeRecord): void {
  if (ifMatch === undefined) return;
  const tags = ifMatch.split(",").map((tag) => tag.trim());
  if (tags.includes("*") || tags.includes(etagOf(code))) return;
  throw new CodeChanged(`The QR code has changed since the version in If-Match (it is now ${etagOf(code)}); fetch it again and reapply your change`);
}
