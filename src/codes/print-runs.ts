import { isUniqueViolation } from "../db/constraints";
import {
  deletePrintRunStatement,
  findPrintRun,
  insertPrintRunCodeStatement,
  insertPrintRunStatement,
  listPrintRunChildren,
  type PrintRunChild,
  type PrintRunSummary,
} from "../db/print-runs";
import { deleteCodeStatement, queueRedirectSyncStatement } from "../db/qr-codes";
import { InvalidInput } from "../lib/invalid-input";
import { isoNow } from "../lib/time";
import { emitCodeCreated, emitCodeDeleted } from "../webhooks/code-events";
import { isDynamicType } from "./catalog";
import { labelsOf, type LabelSpec } from "./print-labels";
import { newCodeId } from "./ids";
import type { CodeInput, QrCodeRecord } from "./record";
import { pushRedirects, redirectRecordOf, syncMarker } from "./short-links";
import { inputCompleter, planCreate, prepareWrite, type PlannedCreate, type WriteScope } from "./writes";

/**
 * Print runs: one request makes N serialised children (table 1..N, flyer batch A..Z) of one
 * template code. Each child is an ordinary dynamic code (its own short token, scans, edits,
 * downloads) named by its label; the run is the parent that groups them in serial order, sums
 * their scans and views, and downloads them as one ZIP or PDF sheet (print-sheet.ts).
 *
 * Children copy the template's type, target, appearance, limits and tags when the run is made and
 * are independent after: a printed card keeps what it was printed with until someone changes that
 * card (PATCH /qr_codes/{id}), or all of them (POST /qr_codes/bulk with the run's ids). There is no
 * template afterwards whose edits they would silently follow.
 *
 * A run is all or nothing in intent: the run row and its first children share the first D1 batch,
 * later children follow in batches of CHILDREN_PER_BATCH. A batch that fails (a short-token
 * collision, in practice never) is planned again with fresh tokens; one that keeps failing
 * deletes what the run wrote and throws.
 */

/** The most children one run makes: the bulk endpoint's bound, so 1,000 table cards are one call. */
export const PRINT_RUN_MAX_CODES = 1000;
export { PRINT_RUN_MAX_LABEL, PRINT_RUN_MAX_START, type LabelSpec } from "./print-labels";
/**
 * Children per D1 batch: 6 statements each (token reservation, sync marker, code, file references,
 * tags, the run's row), at most 13 bound values a statement (D1 allows 100). 1,000 children are 10
 * write batches plus 10 clearing sync markers: about 20 of the 1,000 queries an invocation may make.
 */
const CHILDREN_PER_BATCH = 100;
const BATCH_ATTEMPTS = 3;
const KV_PUSHES_IN_FLIGHT = 16;

export interface CreatedRun {
  run: PrintRunSummary;
  children: { serial: number; label: string; code: QrCodeRecord }[];
}

/** No such run in this organization (another organization's run is the same answer). */
export class PrintRunNotFound extends Error {
  constructor() {
    super("Print run not found");
    this.name = "PrintRunNotFound";
  }
}

/**
 * Makes the run and its children. `template` is a code body as POST /qr_codes takes it (the
 * children's shared target and appearance; its name names the run); it must be of a dynamic type,
 * since a static code has no short token to tell its copies apart.
 */
export async function createPrintRun(scope: WriteScope, template: CodeInput, spec: LabelSpec, createdBy: string | null): Promise<CreatedRun> {
  const { env, orgId } = scope;
  const db = env.DB;
  if (!isDynamicType(template.type))
    throw new InvalidInput([{ field: "code.type", message: `must be a dynamic type (url, text, links, audio, event, file, vcard): a ${template.type} code has no short link, so its copies could not be told apart` }]);
  const labels = labelsOf(spec);
  // One proof for all: every child has the template's content and appearance (its own label as name).
  let logoFileId: string | null;
  try {
    // The organization's UTM defaults and the password's hash, once for every child.
    template = await inputCompleter(env, orgId)(template);
    ({ logoFileId } = await prepareWrite(scope, template));
  } catch (err) {
    if (err instanceof InvalidInput) throw new InvalidInput(err.issues.map((issue) => ({ ...issue, field: issue.field ? `code.${issue.field}` : "code" })));
    throw err;
  }
  const now = isoNow();
  const marker = syncMarker();
  const runId = newCodeId();
  const run = { id: runId, orgId, name: template.name, createdBy, createdAt: now };
  const children: CreatedRun["children"] = [];
  const plan = (serial: number, label: string): PlannedCreate => planCreate(scope, { ...template, name: label }, { id: newCodeId(), logoFileId, createdBy, now, marker });
  for (let start = 0; start < labels.length; start += CHILDREN_PER_BATCH) {
    const chunk = labels.slice(start, start + CHILDREN_PER_BATCH).map((label, i) => ({ serial: start + i + 1, label }));
    let planned: { serial: number; label: string; create: PlannedCreate }[] = [];
    for (let attempt = 1; ; attempt++) {
      planned = chunk.map(({ serial, label }) => ({ serial, label, create: plan(serial, label) }));
      const statements = planned.flatMap(({ serial, label, create }) => [...create.statements, insertPrintRunCodeStatement(db, runId, { serial, label, codeId: create.code.id })]);
      if (start === 0) statements.unshift(insertPrintRunStatement(db, run));
      try {
        await db.batch(statements);
        break;
      } catch (err) {
        if (isUniqueViolation(err, "short_tokens") && attempt < BATCH_ATTEMPTS) continue;
        if (start > 0) await deletePrintRun(scope, runId).catch(() => undefined);
        throw err;
      }
    }
    await pushRedirects(env, planned.map(({ create }) => ({ token: create.code.shortToken!, record: redirectRecordOf(create.code) })), marker, KV_PUSHES_IN_FLIGHT);
    await emitCodeCreated(env, orgId, planned.map(({ create }) => create.representation));
    for (const { serial, label, create } of planned) children.push({ serial, label, code: create.code });
  }
  return { run: { ...run, codes: children.length, scans: 0, views: 0 }, children };
}

/** The run with its roll-up, or PrintRunNotFound (another organization's run too, answered the same). */
export async function requirePrintRun(db: D1Database, orgId: string, id: string): Promise<PrintRunSummary> {
  const run = await findPrintRun(db, orgId, id);
  if (!run) throw new PrintRunNotFound();
  return run;
}

/**
 * Every child in serial order (those with a serial in [from, to] when given), a page of
 * `pageSize` at a time (keyset: each read once, however many).
 */
export async function* childrenOf(db: D1Database, runId: string, options: { pageSize?: number; from?: number; to?: number } = {}): AsyncGenerator<PrintRunChild> {
  const { pageSize = CHILDREN_PER_BATCH, from = 1, to = Number.MAX_SAFE_INTEGER } = options;
  for (let after = from - 1; ; ) {
    const page = await listPrintRunChildren(db, runId, { afterSerial: after, limit: pageSize });
    for (const child of page) {
      if (child.serial > to) return;
      yield child;
    }
    if (page.length < pageSize) return;
    after = page.at(-1)!.serial;
  }
}

/**
 * Deletes the run and its children: their short links stop resolving and their tokens are never
 * issued again, as for DELETE /qr_codes/{id}. Each child's delete carries the version read just
 * before, so a child edited meanwhile is kept (as a code of its own, outside any run) rather than
 * deleted over that edit. Returns how many children were deleted.
 */
export async function deletePrintRun(scope: Pick<WriteScope, "env" | "orgId">, id: string): Promise<number> {
  const { env, orgId } = scope;
  const db = env.DB;
  await requirePrintRun(db, orgId, id);
  const children: PrintRunChild[] = [];
  for await (const child of childrenOf(db, id)) children.push(child);
  const marker = syncMarker();
  const deleted: PrintRunChild[] = [];
  for (let start = 0; start < children.length; start += CHILDREN_PER_BATCH) {
    const chunk = children.slice(start, start + CHILDREN_PER_BATCH);
    const statements = chunk.flatMap((child) => [deleteCodeStatement(db, orgId, child.id, child.version), queueRedirectSyncStatement(db, child.shortToken!, marker)]);
    const results = await db.batch<{ id: string }>(statements);
    const gone = chunk.filter((_, i) => results[2 * i]!.results.length > 0);
    // A child kept (edited meanwhile) still resolves: only the deleted ones lose their KV record.
    await pushRedirects(env, gone.map((child) => ({ token: child.shortToken!, record: null })), marker, KV_PUSHES_IN_FLIGHT);
    await emitCodeDeleted(env, orgId, gone);
    deleted.push(...gone);
  }
  await deletePrintRunStatement(db, orgId, id).run();
  return deleted.length;
}
