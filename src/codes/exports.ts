import { archivedDays, archivedDaysFrom, archivedVisitPages, midnightOf, nextDayOf, type ArchivedVisitQuery } from "../analytics/archive";
import type { VisitKind, VisitRange } from "../db/analytics-reads";
import { existingCodeIds } from "../db/archive";
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

export { csvField, csvRecord } from "./csv";
import { csvRecord } from "./csv";

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

export const VISIT_CSV_COLUMNS = ["id", "code_id", "at", "country", "region", "city", "device", "os", "browser", "referrer_host", "bot", "bot_reason", "outcome", "rule", "variant"] as const;

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
    visit.rule,
    visit.variant,
  ]);

/**
 * Raw events of one code or of every code of an organization in a period, oldest first, as a
 * streamed CSV or JSON Lines body (the columns above; one event object per line). The period is
 * read from up to three sources in time order (visitSources): D1 for days before the raw-scan
 * archive began, the archive (R2) for archived days past the raw window, D1 again for the window.
 * Within an archived day, events of the same second come in id order (D1's come in arrival
 * order). Events older than SCAN_RETENTION_DAYS from before the archive existed are gone: the
 * daily rollups keep their counts.
 */
export function exportVisits(
  env: Env,
  scope: { codeId: string; orgId: string } | { orgId: string },
  kind: VisitKind,
  query: VisitExportQuery,
  format: ExportFormat,
  now = new Date(),
): ReadableStream<Uint8Array> {
  const line = format === "csv" ? visitCsvRecord : (visit: ExportedVisit) => `${JSON.stringify(visit)}\n`;
  const pages = visitPages(env, scope, kind, query, now);
  return pagedTextStream<AsyncGenerator<ExportedVisit[]> | null>(format === "csv" ? csvRecord(VISIT_CSV_COLUMNS) : null, pages, async (source) => {
    // The stream is pulled again only after something was sent: skip the pages that hold nothing
    // (an archived day without a matching event) until one does, or the last.
    for (;;) {
      const page = await source!.next();
      if (page.done) return { lines: [], next: null };
      if (page.value.length > 0) return { lines: page.value.map(line), next: source! };
    }
  });
}

type VisitSource = { from: "d1"; range: VisitRange } | { from: "archive"; days: string[] };

/**
 * Where each part of `range` is read from. Days in `archived` (whole days: the retention cron
 * deletes D1's rows of those days whole) come from the archive, the rest from D1; a part that
 * selects nothing is left out.
 */
export function visitSources(range: VisitRange, archived: { from: string; to: string } | null): VisitSource[] {
  const fromDay = range.fromDay === "" ? null : range.fromDay;
  const firstDay = archived === null ? null : fromDay !== null && fromDay > archived.from ? fromDay : archived.from;
  const endDay = archived === null ? null : range.toDay < archived.to ? range.toDay : archived.to;
  if (archived === null || firstDay === null || endDay === null || firstDay >= endDay) return [{ from: "d1", range }];
  const days: string[] = [];
  for (let day = firstDay; day < endDay; day = nextDayOf(day)) days.push(day);
  const sources: VisitSource[] = [];
  const before = midnightOf(firstDay);
  const after = midnightOf(endDay);
  if (range.from < before) sources.push({ from: "d1", range: { ...range, to: range.to < before ? range.to : before } });
  sources.push({ from: "archive", days });
  if (range.to > after) sources.push({ from: "d1", range: { ...range, from: range.from > after ? range.from : after } });
  return sources;
}

/** The export's events, a page at a time: D1 keyset pages, and one archived day per page. */
async function* visitPages(env: Env, scope: { codeId: string; orgId: string } | { orgId: string }, kind: VisitKind, query: VisitExportQuery, now: Date): AsyncGenerator<ExportedVisit[]> {
  for (const source of visitSources(query.range, await archivedDaysFrom(env, now))) {
    if (source.from === "archive") {
      const archiveQuery: ArchivedVisitQuery = {
        orgId: scope.orgId,
        codeId: "codeId" in scope ? scope.codeId : null,
        kind,
        from: query.range.from,
        to: query.range.to,
        includeBots: query.includeBots,
        existingCodes: (ids) => existingCodeIds(env.DB, scope.orgId, ids),
      };
      // One listing names the days that hold any object; the others are not read at all.
      const stored = await archivedDays(env.ARCHIVE, scope.orgId);
      for (const day of source.days) if (stored.has(day)) yield* archivedVisitPages(env.ARCHIVE, archiveQuery, day, EXPORT_PAGE_SIZE);
      continue;
    }
    let after: VisitCursor | null = null;
    do {
      const { items, last } = await listVisitsAfter(env.DB, scope, kind, { ...query, range: source.range }, after, EXPORT_PAGE_SIZE);
      yield items;
      after = items.length < EXPORT_PAGE_SIZE ? null : last;
    } while (after !== null);
  }
}

/** `codes-2026-12-03.csv`: what the download is saved as. */
export const exportFilename = (what: string, format: ExportFormat, now: string): string => `${what}-${now.slice(0, 10)}.${format}`;
