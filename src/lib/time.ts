/**
 * Timestamps as the platform writes them, in D1 rows and in every answer: ISO 8601 at whole
 * seconds with an explicit +00:00 offset, as the contracts show them. One format everywhere also
 * keeps D1's text comparisons of timestamps (expiries, retention cut-offs) in time order.
 */
export function isoNow(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

/** The same for a moment in epoch milliseconds (expiries that Durable Objects compute). */
export const isoAt = (ms: number): string => isoNow(new Date(ms));
