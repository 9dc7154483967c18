/**
 * WhatsApp channel phone numbers as an organization registers them and message QR codes name them:
 * digits with the country code, no `+` (`8613800138000`), 6 to 15 of them. Pairing binds its codes
 * to E.164 numbers with `+` instead (pairing/phone.ts); the two rules are kept apart on purpose.
 */

/** Digits with the country code (`8613800138000`); a leading + and visual separators are forgiven. */
export function normalizePhoneNumber(text: string): string | null {
  const digits = text.trim().replace(/^\+/, "").replace(/[\s\-().]/g, "");
  return /^[1-9]\d{5,14}$/.test(digits) ? digits : null;
}
