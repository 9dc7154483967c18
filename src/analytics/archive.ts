import { EVENT_FIELDS } from "../db/analytics";
import { VISIT_COLUMNS, toVisit, type VisitKind, type VisitRow } from "../db/analytics-reads";
import type { ExportedVisit } from "../db/visit-exports";
import { getServiceValue } from "../db/service-meta";
import { ARCHIVE_SINCE_KEY } from "../db/archive";
import type { VisitEvent } from "./event";

/**
 * The raw-scan archive (issue 18, part 6): every event the queue consumer stores is also written to
 * R2 (the ARCHIVE bucket) as gzip-compressed NDJSON, one object per organization, UTC day and
 * consumer batch:
 *
 *   scans/v1/org={orgId}/day={YYYY-MM-DD}/{HHMMSS of the group's first event}-{hash}.ndjson.gz
 *
 * Each line is one scan_events row as D1 holds it (its columns, by name; `bot` as true/false),
 * less the consumer's batch id and the derived day. D1 keeps the raw rows for a shorter window
 * (SCAN_RAW_WINDOW_DAYS) and its rollups for good; the archive is the long-term raw record, read
 * by the scan exports for the days D1 no longer holds.
 *
 * Redelivery: the object's name is a hash of its events' ids, so a batch delivered again with the
 * same messages overwrites its own objects. Queues may regroup retried messages with others, so
 * an event can still land in two objects: readers drop repeated ids (archivedDayRows does).
 */

export const ARCHIVE_PREFIX = "scans/v1";

/** Raw rows D1 keeps by default: see rawWindowDays. */
export const DEFAULT_RAW_WINDOW_DAYS = 30;

/**
 * Days of raw rows D1 keeps (SCAN_RAW_WINDOW_DAYS). 30 by default: measured (bench/archive-cost.ts),
 * a raw row costs D1 573 bytes with its indexes and a scan 725 with its share of the rollups and
 * unique visitors, so 30 days fit D1's 10 GB up to ~5 scans/s sustained (~13 million scans a
 * month), under the ~8 a second the retention cron can delete (5,000 rows every 10 minutes); and
 * the per-scan listing keeps a month. Busier instances set it lower (at 1,000 scans/s D1 holds
 * under 4 hours); older periods are exported from the archive either way.
 */
export function rawWindowDays(env: Env): number {
  const days = Number(env.SCAN_RAW_WINDOW_DAYS);
  return Number.isInteger(days) && days >= 1 ? days : DEFAULT_RAW_WINDOW_DAYS;
}

const DAY_MS = 86_400_000;
export const midnightOf = (day: string) => `${day}T00:00:00+00:00`;
export const nextDayOf = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/** The folder of one organization's day. */
export const archiveDayPrefix = (orgId: string, day: string) => `${ARCHIVE_PREFIX}/org=${orgId}/day=${day}/`;

/** One archived line: the scan_events columns EVENT_FIELDS names, in that order, and `bot`. */
export type ArchivedRow = Record<(typeof EVENT_FIELDS)[number][0] | "bot", string | boolean | null>;

export function archivedRow(event: VisitEvent): ArchivedRow {
  const row: Record<string, string | boolean | null> = {};
  for (const [column, field] of EVENT_FIELDS) row[column] = (event as unknown as Record<string, string | null | undefined>)[field] ?? null;
  row.bot = event.bot;
  return row as ArchivedRow;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function gzip(text: string): Promise<ArrayBuffer> {
  const compressed = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Response(compressed).arrayBuffer();
}

/** The object one group of events (one organization, one day) is written to: the same ids give the same name. */
export async function archiveKey(orgId: string, day: string, events: VisitEvent[]): Promise<string> {
  const ids = events.map((event) => event.id).sort();
  const first = events.reduce((min, event) => (event.at < min ? event.at : min), events[0]!.at);
  return `${archiveDayPrefix(orgId, day)}${first.slice(11, 19).replaceAll(":", "")}-${(await sha256Hex(ids.join("\n"))).slice(0, 32)}.ndjson.gz`;
}

/**
 * Writes one batch's events to the archive: one object per (organization, day), its lines in time
 * order, all puts in parallel. Throws when any put fails: the consumer then retries the batch
 * (the puts that did succeed are overwritten by the same names). Returns the objects written.
 */
export async function archiveEvents(bucket: R2Bucket, events: VisitEvent[]): Promise<{ key: string; rows: number; bytes: number }[]> {
  const groups = new Map<string, VisitEvent[]>();
  for (const event of events) {
    const group = `${event.orgId}\n${event.at.slice(0, 10)}`;
    const list = groups.get(group);
    if (list) list.push(event);
    else groups.set(group, [event]);
  }
  return Promise.all(
    [...groups].map(async ([group, members]) => {
      const [orgId, day] = group.split("\n") as [string, string];
      members.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
      const key = await archiveKey(orgId, day, members);
      const body = await gzip(members.map((event) => `${JSON.stringify(archivedRow(event))}\n`).join(""));
      await bucket.put(key, body, { httpMetadata: { contentType: "application/gzip" }, customMetadata: { rows: String(members.length) } });
      return { key, rows: members.length, bytes: body.byteLength };
    }),
  );
}

/** Every key under a prefix in key order, a page of R2's listing (up to 1,000) at a time. */
async function* keysUnder(bucket: R2Bucket, prefix: string): AsyncGenerator<string> {
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    for (const object of page.objects) yield object.key;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
}

/** The days of an organization that hold any archived object (R2 lists the day folders, a page of 1,000 per call). */
export async function archivedDays(bucket: R2Bucket, orgId: string): Promise<Set<string>> {
  const days = new Set<string>();
  const prefix = `${ARCHIVE_PREFIX}/org=${orgId}/`;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, delimiter: "/", cursor });
    for (const folder of page.delimitedPrefixes) days.add(folder.slice(prefix.length + "day=".length, -1));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
  return days;
}

/**
 * Deletes up to 1,000 of an organization's archived objects (one R2 list and one delete call): the
 * purge of a deleted organization removes its raw scans from the archive as it does from D1.
 */
export async function deleteArchivedPage(bucket: R2Bucket, orgId: string): Promise<{ deleted: number; more: boolean }> {
  const page = await bucket.list({ prefix: `${ARCHIVE_PREFIX}/org=${orgId}/` });
  if (page.objects.length > 0) await bucket.delete(page.objects.map((object) => object.key));
  return { deleted: page.objects.length, more: page.truncated };
}

/** One object's rows, decompressed as they stream in. */
async function readObjectRows(bucket: R2Bucket, key: string): Promise<ArchivedRow[]> {
  const object = await bucket.get(key);
  // Listed a moment ago and gone now: deleted by an archive lifecycle rule meanwhile.
  if (object === null) return [];
  const text = await new Response(object.body.pipeThrough(new DecompressionStream("gzip"))).text();
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as ArchivedRow);
}

/** The exports' order: by time, then id (a total order: an event archived twice compares equal to itself only). */
const beforeInOrder = (a: ArchivedRow, b: ArchivedRow): boolean => {
  const [atA, atB] = [a.at as string, b.at as string];
  return atA < atB || (atA === atB && (a.id as string) < (b.id as string));
};

/** A binary min-heap of rows in the exports' order. */
class RowHeap {
  private rows: ArchivedRow[] = [];
  get size(): number {
    return this.rows.length;
  }
  peek(): ArchivedRow | undefined {
    return this.rows[0];
  }
  push(row: ArchivedRow): void {
    const rows = this.rows;
    rows.push(row);
    for (let i = rows.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!beforeInOrder(rows[i]!, rows[parent]!)) break;
      [rows[i], rows[parent]] = [rows[parent]!, rows[i]!];
      i = parent;
    }
  }
  pop(): ArchivedRow | undefined {
    const rows = this.rows;
    const top = rows[0];
    const last = rows.pop();
    if (rows.length > 0 && last !== undefined) {
      rows[0] = last;
      for (let i = 0; ; ) {
        const [left, right] = [2 * i + 1, 2 * i + 2];
        let least = i;
        if (left < rows.length && beforeInOrder(rows[left]!, rows[least]!)) least = left;
        if (right < rows.length && beforeInOrder(rows[right]!, rows[least]!)) least = right;
        if (least === i) break;
        [rows[i], rows[least]] = [rows[least]!, rows[i]!];
        i = least;
      }
    }
    return top;
  }
}

/** When an object's first event happened, to the second, read from its key (`{HHMMSS}-{hash}…`); the day's first second for a name of another form. */
function objectStart(key: string, prefix: string, day: string): string {
  const clock = /^(\d\d)(\d\d)(\d\d)-/.exec(key.slice(prefix.length));
  return clock ? `${day}T${clock[1]}:${clock[2]}:${clock[3]}` : `${day}T00:00:00`;
}

/**
 * Every archived row of an organization's day that `keep` selects, each event once (a regrouped
 * redelivery can archive one twice), ordered by time then id, in pages of up to `pageSize`.
 *
 * The day is never held whole (a busy organization archives millions of events a day): objects
 * are read one at a time in key order, which is the order of their first events (a key starts
 * with that event's time), and merged through a heap. A row is given out once no object left to
 * read can hold an earlier one (it is before the next object's first second), so memory holds
 * the rows of the objects that overlap in time, a few batches. Copies of an event share its time
 * and id, so they come out one after the other and all but the first are dropped.
 */
export async function* archivedDayRows(bucket: R2Bucket, orgId: string, day: string, keep: (row: ArchivedRow) => boolean, pageSize: number): AsyncGenerator<ArchivedRow[]> {
  const prefix = archiveDayPrefix(orgId, day);
  const heap = new RowHeap();
  const page: ArchivedRow[] = [];
  let lastId: string | null = null;
  /** Moves the rows before `until` (all of them: null) from the heap to the page. */
  const release = (until: string | null) => {
    for (let next = heap.peek(); next !== undefined && (until === null || (next.at as string) < until); next = heap.peek()) {
      heap.pop();
      if (next.id !== lastId) page.push(next);
      lastId = next.id as string;
    }
  };
  for await (const key of keysUnder(bucket, prefix)) {
    release(objectStart(key, prefix, day));
    while (page.length >= pageSize) yield page.splice(0, pageSize);
    for (const row of await readObjectRows(bucket, key)) if (keep(row)) heap.push(row);
  }
  release(null);
  while (page.length > 0) yield page.splice(0, pageSize);
}

/** An archived row as the scan exports show an event: the same mapper D1's rows go through. */
export function exportedVisitOf(row: ArchivedRow): ExportedVisit {
  const columns: Record<string, unknown> = {};
  // A column added after an object was written reads as null, as D1 shows it for older rows.
  for (const column of VISIT_COLUMNS.split(", ")) columns[column] = (row as Record<string, unknown>)[column] ?? null;
  columns.bot = row.bot === true ? 1 : 0;
  return { codeId: row.code_id as string, ...toVisit(columns as unknown as VisitRow) };
}

/**
 * The days the archive answers for, given `now`: from the first whole day after the consumer began
 * archiving (the rows of earlier days were never archived, so D1 keeps them until
 * SCAN_RETENTION_DAYS, as before) up to, not including, the first day the raw window still holds.
 * Null when nothing is archived yet or no such day is past the window.
 */
export async function archivedDaysFrom(env: Env, now: Date): Promise<{ from: string; to: string } | null> {
  const since = await getServiceValue(env.DB, ARCHIVE_SINCE_KEY);
  if (since === null) return null;
  // Archiving began during `since`'s day (a gradual deploy may have had old consumers still
  // running then): only the next whole day is archived in full.
  const from = since.endsWith("T00:00:00+00:00") ? since.slice(0, 10) : nextDayOf(since.slice(0, 10));
  const to = new Date(now.getTime() - rawWindowDays(env) * DAY_MS).toISOString().slice(0, 10);
  return from < to ? { from, to } : null;
}

export interface ArchivedVisitQuery {
  orgId: string;
  /** One code's events, or (null) every code the organization still has. */
  codeId: string | null;
  kind: VisitKind;
  from: string;
  to: string;
  includeBots: boolean;
  /** For an organization's export: which of these code ids it still has (a deleted code's events are not shown). */
  existingCodes?: (codeIds: string[]) => Promise<Set<string>>;
}

/** The events of one archived day that the export selects, in time order, a page at a time. */
export async function* archivedVisitPages(bucket: R2Bucket, query: ArchivedVisitQuery, day: string, pageSize: number): AsyncGenerator<ExportedVisit[]> {
  const keep = (row: ArchivedRow) =>
    row.kind === query.kind &&
    (query.codeId === null || row.code_id === query.codeId) &&
    (row.at as string) >= query.from &&
    (row.at as string) < query.to &&
    (query.includeBots || row.bot !== true);
  for await (const rows of archivedDayRows(bucket, query.orgId, day, keep, pageSize)) {
    if (query.codeId !== null || !query.existingCodes) {
      yield rows.map(exportedVisitOf);
      continue;
    }
    const existing = await query.existingCodes([...new Set(rows.map((row) => row.code_id as string))]);
    yield rows.filter((row) => existing.has(row.code_id as string)).map(exportedVisitOf);
  }
}
