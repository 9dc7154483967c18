/** ISO 8601 with an explicit +00:00 offset, as the contracts show timestamps. */
export function isoNow(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "+00:00");
}
