import type { VisitKind } from "../db/analytics-reads";
import { listCodesAfter, type CodeFilter } from "../db/qr-codes";
import { listVisitsAfter, type ExportedVisit, type VisitCursor, type VisitExportQuery } from "../db/visit-exports";
import type { QrCodeRecord } from "./record";
import { dynamicUrl, representCode } from "./representation";

/**
 * Exports of an organization's codes as CSV (RFC 4180) or JSON Lines, streamed: the body is a
 * ReadableStream that reads one page of codes from D1 each time the reader wants more (pull), so
 * neither the Worker nor D1 ever holds the whole file, whatever the number of codes. Pages are
 * keyset pages (id after the last one sent), so every code is sent exactly once.
 */

export type ExportFormat = "csv" | "jsonl";

/** Codes read per D1 query: one page is a few hundred KB of rows at most. */
export const EXPORT_PAGE_SIZE = 500;

export const EXPORT_MEDIA_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8; header=present",
  jsonl: "application/jsonl; charset=utf-8",
};

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

/**
 * A stream of `header` (when given) then each page's lines, reading the next page only when the
 * reader asks for more. `nextPage(cursor)` returns the page's lines and the cursor after it, or
 * null when that page was the last.
 */
export function pagedTextStream<C>(header: string | null, first: C, nextPage: (cursor: C) => Promise<{ lines: string[]; next: Exclude<C, null> | null }>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor = first;
  let done = false;
  let headerSent = header === null;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(header!));
          return;
        }
        if (done) {
          controller.close();
          return;
        }
        const page = await nextPage(cursor);
        if (page.next === null) done = true;
        else cursor = page.next;
        if (page.lines.length > 0) controller.enqueue(encoder.encode(page.lines.join("")));
        if (done) controller.close();
      },
    },
    // One page at a time: the reader's pace decides when D1 is read next.
    { highWaterMark: 0 },
  );
}

export const CODE_CSV_COLUMNS = ["id", "name", "type", "tags", "short_token", "dynamic_url", "content", "scans", "views", "created_at", "updated_at"] as const;

/** A code as one CSV record: its content as JSON, its tags joined with commas (no tag holds one), as POST /qr_codes/import reads them. */
function codeCsvRecord(code: QrCodeRecord, base: string): string {
  const url = dynamicUrl(code, base);
  return csvRecord([
    code.id,
    code.name,
    code.type,
    code.tags.join(","),
    url === null ? null : code.shortToken,
    url,
    JSON.stringify(representCode(code, base).content),
    code.scans,
    code.views,
    code.createdAt,
    code.updatedAt,
  ]);
}

export interface CodeExportQuery extends CodeFilter {
  order: "asc" | "desc";
}

/** The organization's codes that `query` selects, as a streamed CSV or JSON Lines body. */
export function exportCodes(db: D1Database, orgId: string, query: CodeExportQuery, format: ExportFormat, base: string): ReadableStream<Uint8Array> {
  const line = format === "csv" ? (code: QrCodeRecord) => codeCsvRecord(code, base) : (code: QrCodeRecord) => `${JSON.stringify(representCode(code, base))}\n`;
  return pagedTextStream<string | null>(format === "csv" ? csvRecord(CODE_CSV_COLUMNS) : null, null, async (afterId) => {
    // afterId: null for the first page, then the last id sent.
    const codes = await listCodesAfter(db, orgId, query, afterId, EXPORT_PAGE_SIZE);
    return { lines: codes.map(line), next: codes.length < EXPORT_PAGE_SIZE ? null : codes[codes.length - 1]!.id };
  });
}

export const VISIT_CSV_COLUMNS = ["id", "code_id", "at", "country", "region", "city", "device", "os", "browser", "referrer_host", "bot", "bot_reason", "outcome"] as const;

const visitCsvRecord = (visit: ExportedVisit): string =>
  csvRecord([
    visit.id,
    visit.codeId,
    visit.at,
    visit.country,
    visit.region,
    visit.city,
    visit.device,
    visit.os,
    visit.browser,
    visit.referrerHost,
    visit.bot ? "true" : "false",
    visit.botReason,
    visit.outcome,
  ]);

/**
 * Raw events of one code or of every code of an organization in a period, oldest first, as a
 * streamed CSV or JSON Lines body (the columns above; one event object per line). Events older
 * than the raw retention are gone from D1: the daily rollups keep their counts.
 */
export function exportVisits(
  db: D1Database,
  scope: { codeId: string } | { orgId: string },
  kind: VisitKind,
  query: VisitExportQuery,
  format: ExportFormat,
): ReadableStream<Uint8Array> {
  const line = format === "csv" ? visitCsvRecord : (visit: ExportedVisit) => `${JSON.stringify(visit)}\n`;
  return pagedTextStream<VisitCursor | null>(format === "csv" ? csvRecord(VISIT_CSV_COLUMNS) : null, null, async (after) => {
    const { items, last } = await listVisitsAfter(db, scope, kind, query, after, EXPORT_PAGE_SIZE);
    return { lines: items.map(line), next: items.length < EXPORT_PAGE_SIZE ? null : last };
  });
}

/** `codes-2026-12-03.csv`: what the download is saved as. */
export const exportFilename = (what: string, format: ExportFormat, now: string): string => `${what}-${now.slice(0, 10)}.${format}`;
