import type { QrCodeRecord } from "../codes/record";
import type { QrCodeType } from "../codes/types";
import type { Appearance } from "../qr";

// Named SQL for print runs (migrations/0015_print_runs.sql), with row mappers.

export interface PrintRunRecord {
  id: string;
  orgId: string;
  name: string;
  createdBy: string | null;
  createdAt: string;
}

/** A run with what its children add up to now (a child deleted on its own no longer counts). */
export interface PrintRunSummary extends PrintRunRecord {
  codes: number;
  scans: number;
  views: number;
}

/** A child of a run: its place in the run, its counts, and what drawing it takes (its code as it is now). */
export interface PrintRunChild extends Pick<QrCodeRecord, "id" | "orgId" | "name" | "type" | "content" | "appearance" | "logoFileId" | "shortToken" | "version" | "scans" | "views"> {
  serial: number;
  label: string;
}

interface SummaryRow {
  id: string;
  org_id: string;
  name: string;
  created_by: string | null;
  created_at: string;
  codes: number;
  scans: number;
  views: number;
}

interface ChildRow {
  serial: number;
  label: string;
  id: string;
  org_id: string;
  name: string;
  type: QrCodeType;
  content: string;
  appearance: string;
  logo_file_id: string | null;
  short_token: string | null;
  version: number;
  scans: number;
  views: number;
}

const toSummary = (r: SummaryRow): PrintRunSummary => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  createdBy: r.created_by,
  createdAt: r.created_at,
  codes: r.codes,
  scans: r.scans,
  views: r.views,
});

const toChild = (r: ChildRow): PrintRunChild => ({
  serial: r.serial,
  label: r.label,
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  type: r.type,
  content: JSON.parse(r.content) as Record<string, unknown>,
  appearance: JSON.parse(r.appearance) as Appearance,
  logoFileId: r.logo_file_id,
  shortToken: r.short_token,
  version: r.version,
  scans: r.scans,
  views: r.views,
});

export function insertPrintRunStatement(db: D1Database, run: PrintRunRecord): D1PreparedStatement {
  return db.prepare("INSERT INTO print_runs (id, org_id, name, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)").bind(run.id, run.orgId, run.name, run.createdBy, run.createdAt);
}

export function insertPrintRunCodeStatement(db: D1Database, runId: string, child: { serial: number; label: string; codeId: string }): D1PreparedStatement {
  return db.prepare("INSERT INTO print_run_codes (run_id, serial, label, code_id) VALUES (?1, ?2, ?3, ?4)").bind(runId, child.serial, child.label, child.codeId);
}

/** The run's own row; its children (the code_id rows) go with it by the foreign key's cascade. */
export function deletePrintRunStatement(db: D1Database, orgId: string, id: string): D1PreparedStatement {
  return db.prepare("DELETE FROM print_runs WHERE id = ?1 AND org_id = ?2").bind(id, orgId);
}

const SUMMARY = `SELECT r.id, r.org_id, r.name, r.created_by, r.created_at,
         COUNT(c.id) AS codes, COALESCE(SUM(c.scans), 0) AS scans, COALESCE(SUM(c.views), 0) AS views
    FROM print_runs AS r
    LEFT JOIN print_run_codes AS p ON p.run_id = r.id
    LEFT JOIN qr_codes AS c ON c.id = p.code_id`;

/** The run with its children's scans and views summed: one query over the run's own rows (its primary key). */
export async function findPrintRun(db: D1Database, orgId: string, id: string): Promise<PrintRunSummary | null> {
  const row = await db.prepare(`${SUMMARY} WHERE r.id = ?1 AND r.org_id = ?2 GROUP BY r.id`).bind(id, orgId).first<SummaryRow>();
  return row ? toSummary(row) : null;
}

/** The organization's runs, newest first, each with its roll-up. */
export async function listPrintRuns(db: D1Database, orgId: string, page: { limit: number; offset: number }): Promise<{ items: PrintRunSummary[]; total: number }> {
  const [rows, count] = await db.batch<SummaryRow | { n: number }>([
    db.prepare(`${SUMMARY} WHERE r.org_id = ?1 GROUP BY r.id ORDER BY r.id DESC LIMIT ?2 OFFSET ?3`).bind(orgId, page.limit, page.offset),
    db.prepare("SELECT COUNT(*) AS n FROM print_runs WHERE org_id = ?1").bind(orgId),
  ]);
  return { items: (rows!.results as SummaryRow[]).map(toSummary), total: (count!.results[0] as { n: number }).n };
}

/**
 * A page of the run's children in serial order after `afterSerial` (keyset: a ZIP of 1,000 reads
 * every child once), skipping `offset` of them (the listing's ?page=).
 */
export async function listPrintRunChildren(db: D1Database, runId: string, page: { afterSerial: number; limit: number; offset?: number }): Promise<PrintRunChild[]> {
  const { results } = await db
    .prepare(
      `SELECT p.serial, p.label, c.id, c.org_id, c.name, c.type, c.content, c.appearance, c.logo_file_id, c.short_token, c.version, c.scans, c.views
         FROM print_run_codes AS p JOIN qr_codes AS c ON c.id = p.code_id
        WHERE p.run_id = ?1 AND p.serial > ?2 ORDER BY p.serial LIMIT ?3 OFFSET ?4`,
    )
    .bind(runId, page.afterSerial, page.limit, page.offset ?? 0)
    .all<ChildRow>();
  return results.map(toChild);
}

/** How many of the run's children have a serial in [from, to]. */
export async function countPrintRunChildren(db: D1Database, runId: string, from: number, to: number): Promise<number> {
  const row = await db.prepare("SELECT COUNT(*) AS n FROM print_run_codes WHERE run_id = ?1 AND serial BETWEEN ?2 AND ?3").bind(runId, from, to).first<{ n: number }>();
  return row!.n;
}
