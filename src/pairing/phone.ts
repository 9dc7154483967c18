/**
 * Phone numbers and codes as pairing reads them. Pairing's rule is E.164 with its `+` (the number
 * a code is bound to); WhatsApp channel numbers follow another (digits without `+`, 6 to 15:
 * accounts/phone-numbers.ts), and the two are deliberately kept apart.
 */

/** E.164: a country code that does not start with 0, then the number; 8 to 15 digits in all. */
const E164 = /^\+?([1-9]\d{7,14})$/;

/** `+<digits>` for an E.164 number written with or without +, spaces, hyphens, dots or brackets; else null. */
export function normalisePhone(text: string): string | null {
  const match = E164.exec(text.replace(/[\s().-]/g, ""));
  return match ? `+${match[1]}` : null;
}

/** A typed phone code as the instance issued it: case, spaces and hyphens are ignored. */
export const normalisePhoneCode = (text: string): string => text.replace(/[\s-]/g, "").toUpperCase();
