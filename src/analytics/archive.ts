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
 * an event can still land in two objects: readers drop repeated ids (readArchivedDay does).
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

/** Every key under a prefix, through R2's pages of up to 1,000. */
async function listKeys(bucket: R2Bucket, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    keys.push(...page.objects.map((object) => object.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
  return keys;
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

/**
 * Every archived row of an organization's day that `keep` selects, each event once (a regrouped
 * redelivery can archive one twice), ordered by time then id. A day is held in memory while it is
 * sorted: an export is streamed a day at a time.
 */
export async function readArchivedDay(bucket: R2Bucket, orgId: string, day: string, keep: (row: ArchivedRow) => boolean): Promise<ArchivedRow[]> {
  const byId = new Map<string, ArchivedRow>();
  for (const key of await listKeys(bucket, archiveDayPrefix(orgId, day))) {
    for (const row of await readObjectRows(bucket, key)) if (keep(row) && !byId.has(row.id as string)) byId.set(row.id as string, row);
  }
  return [...byId.values()].sort((a, b) => {
    const [atA, atB, idA, idB] = [a.at as string, b.at as string, a.id as string, b.id as string];
    return atA < atB ? -1 : atA > atB ? 1 : idA < idB ? -1 : idA > idB ? 1 : 0;
  });
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

/** The events of one archived day that the export selects, in time order. */
export async function archivedVisitsOfDay(bucket: R2Bucket, query: ArchivedVisitQuery, day: string): Promise<ExportedVisit[]> {
  const rows = await readArchivedDay(
    bucket,
    query.orgId,
    day,
    (row) =>
      row.kind === query.kind &&
      (query.codeId === null || row.code_id === query.codeId) &&
      (row.at as string) >= query.from &&
      (row.at as string) < query.to &&
      (query.includeBots || row.bot !== true),
  );
  if (query.codeId !== null || rows.length === 0 || !query.existingCodes) return rows.map(exportedVisitOf);
  const existing = await query.existingCodes([...new Set(rows.map((row) => row.code_id as string))]);
  return rows.filter((row) => existing.has(row.code_id as string)).map(exportedVisitOf);
}
