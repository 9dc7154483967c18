// CSV as the exports write it (RFC 4180), apart from exports.ts so that code without its D1
// and R2 reads (the print-run sheet, Node-side tests) can use it.

/**
 * One CSV field. A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return,
 * which some strip before looking) as a formula: such a value gets a leading apostrophe (OWASP's
 * "CSV injection" advice), which the spreadsheet shows as text. A field holding a comma, quote or
 * line break is quoted, its quotes doubled (RFC 4180).
 */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV record, CRLF-terminated as RFC 4180 says. */
export const csvRecord = (fields: readonly (string | number | null)[]): string => `${fields.map(csvField).join(",")}\r\n`;
