import { isUniqueViolation } from "../db/constraints";
import { findMessageQrdlCodeIds } from "../db/message-qrdl";
import { findCodesByIds, findIdempotentResponse, insertIdempotencyStatement } from "../db/qr-codes";
import { isoNow } from "../lib/time";
import { fingerprintRequest, type RequestFingerprint } from "./idempotency";
import { CodeManagedByMessageQrdl, CodeNotFound, IdempotencyKeyReused } from "./errors";
import { CODE_ID_PATTERN, newCodeId } from "./ids";
import { checkIfMatch } from "./lookup";
import type { CodeInput, QrCodeRecord } from "./record";
import { representCode, type QrCodeRepresentation } from "./representation";
import { pushRedirects, redirectRecordOf, syncMarker } from "./short-links";
import { emitCodeCreated, emitCodeDeleted, emitCodeUpdated } from "../webhooks/code-events";
import { createCode, deleteCode, planCreate, planDelete, planReplace, prepareWrite, refuseLostRace, replaceCode, inputCompleter, type PlannedCreate, type WriteScope } from "./writes";

/**
 * Many codes written in one call (POST /qr_codes/bulk and the CSV import), through the single-code
 * writes of writes.ts: the same checks (prepareWrite, checkIfMatch), the same statements
 * (planCreate, planReplace, planDelete), and replaceCode or deleteCode, with their retries, for a
 * change a concurrent write beat.
 *
 * Per item, never all or nothing: an item that fails (invalid, missing, changed meanwhile) is
 * answered with its problem and the others are written, as Dub's bulk endpoints do. A list of 1,000
 * codes from a spreadsheet with one typo should not have to be sent twice.
 *
 * Creates are written together: their statements go to D1 in batches of CREATES_PER_BATCH codes
 * (about 3 statements each, every statement under the 100 bound parameters), so 1,000 creates are
 * 10 round trips instead of 1,000. A batch is a transaction: when one fails (a short-token
 * collision, in practice never) its codes are created again one by one by createCode, which draws
 * new tokens.
 *
 * Updates and deletes are written together too (writeChanges): their codes read 99 ids a query,
 * each change checked against its code in memory by the single-code path's own steps (checkIfMatch,
 * prepareWrite, planReplace, planDelete), the statements sent CHANGES_PER_BATCH changes a batch,
 * each under its code's version check. A change that loses that check to a concurrent write goes
 * through replaceCode or deleteCode on its own, as a single PATCH or DELETE that lost its race would.
 */

/** The most items one call takes (Dub takes 100; a print run of 1,000 table cards is one call). */
export const BULK_MAX_ITEMS = 1000;

/**
 * Creates per D1 batch: 4 statements a dynamic code (its token's reservation, its sync marker, the
 * code, its file references), each binding at most 13 values (D1 allows 100 a statement), so 400
 * statements and a few hundred KB a batch at the largest appearances. 1,000 creates are 10 batches
 * plus 10 batches clearing the sync markers: ~20 D1 round trips against the 1,000 queries an
 * invocation may make on Workers Paid (50 on Free), which the single-code path would spend alone.
 */
export const CREATES_PER_BATCH = 100;

/**
 * Updates and deletes per D1 batch: an update is 6 statements (its file references and tag rows
 * rewritten, the code, its sync marker; 7 when it becomes dynamic), a delete 2, each under 100
 * bound values, so at most 700 statements a batch. 1,000 changes are 11 read queries (99 ids
 * each; updates as many again for the message QR check), 10 batches, 10 batches clearing sync
 * markers and the webhook emissions. Measured (test/worker/qr-codes-bulk-batched.test.ts, the
 * request's own key lookup included): 52 D1 round trips for 1,000 updates, 42 for 1,000 deletes,
 * where the updates one by one took 5,001.
 */
export const CHANGES_PER_BATCH = 100;

/** KV writes in flight at once after a batch (their sync markers are then cleared in one D1 batch). */
const KV_PUSHES_IN_FLIGHT = 16;

export type BulkItem =
  | { action: "create"; input: CodeInput }
  | { action: "update"; id: string; ifMatch?: string; change: (current: QrCodeRecord) => CodeInput }
  | { action: "delete"; id: string; ifMatch?: string }
  /** Refused before anything ran (its body did not parse): answered with `error` in its place. */
  | { action: "create" | "update" | "delete"; refused: unknown; id?: string };

export type BulkOutcome =
  | { ok: true; action: "create"; status: 201; code: QrCodeRecord; representation: QrCodeRepresentation }
  | { ok: true; action: "update"; status: 200; code: QrCodeRecord }
  | { ok: true; action: "delete"; status: 204; id: string }
  /** `error` is what the single-code call would have thrown: the route renders it as its problem. */
  | { ok: false; action: BulkItem["action"]; id?: string; error: unknown };

/** Runs every item; the outcomes are in the items' order. */
export async function writeInBulk(scope: WriteScope, items: readonly BulkItem[], createdBy: string | null): Promise<BulkOutcome[]> {
  const outcomes: BulkOutcome[] = new Array(items.length);
  const creates: { index: number; input: CodeInput; planned: PlannedCreate }[] = [];
  const now = isoNow();
  const marker = syncMarker();
  const complete = inputCompleter(scope.env, scope.orgId);
  for (const [index, item] of items.entries()) {
    if ("refused" in item) outcomes[index] = { ok: false, action: item.action, ...(item.id !== undefined ? { id: item.id } : {}), error: item.refused };
    else if (item.action === "create") {
      try {
        const input = await complete(item.input);
        const { logoFileId } = await prepareWrite(scope, input);
        creates.push({ index, input, planned: planCreate(scope, input, { id: newCodeId(), logoFileId, createdBy, now, marker }) });
      } catch (error) {
        outcomes[index] = { ok: false, action: "create", error };
      }
    }
  }
  for (let start = 0; start < creates.length; start += CREATES_PER_BATCH) {
    const chunk = creates.slice(start, start + CREATES_PER_BATCH);
    try {
      await scope.env.DB.batch(chunk.flatMap((create) => create.planned.statements));
    } catch {
      // Nothing of this chunk was written: each code goes again on its own, with its own retries.
      for (const { index, input } of chunk) {
        try {
          const created = await createCode(scope, input, { createdBy });
          outcomes[index] = { ok: true, action: "create", status: 201, code: created.code!, representation: created.representation };
        } catch (error) {
          outcomes[index] = { ok: false, action: "create", error };
        }
      }
      continue;
    }
    const links = chunk.filter(({ planned }) => planned.code.shortToken !== null);
    await pushRedirects(scope.env, links.map(({ planned }) => ({ token: planned.code.shortToken!, record: redirectRecordOf(planned.code) })), marker, KV_PUSHES_IN_FLIGHT);
    // One qr_code.created event per batch of codes, as the single create sends one for its code.
    await emitCodeCreated(scope.env, scope.orgId, chunk.map(({ planned }) => planned.representation));
    for (const { index, planned } of chunk) outcomes[index] = { ok: true, action: "create", status: 201, code: planned.code, representation: planned.representation };
  }
  const changes: Change[] = [];
  for (const [index, item] of items.entries()) if (!("refused" in item) && item.action !== "create") changes.push({ index, item });
  await writeChanges(scope, changes, outcomes);
  return outcomes;
}

type UpdateItem = Extract<BulkItem, { action: "update"; change: unknown }>;
type DeleteItem = Extract<BulkItem, { action: "delete"; id: string }>;
interface Change {
  index: number;
  item: UpdateItem | DeleteItem;
}

/** A change checked and planned against its code as this call last knew it. */
interface PlannedChange extends Change {
  statements: D1PreparedStatement[];
  /** The statement whose RETURNING answers no row when another write got there first. */
  checked: number;
  /** The code after the change (null: deleted), and what it was before. */
  after: QrCodeRecord | null;
  before: QrCodeRecord;
}

/**
 * The updates and deletes of a call, in rounds: an id's first change goes in the first round, its
 * second in the second, and so on, each round planned on the state the previous one wrote. So one
 * call may update a code twice and then delete it, in request order, and no batch holds two writes
 * of one code (the second would find the version a concurrent writer left if the first lost its
 * check, and overwrite that writer). A call without repeated ids is one round; one that changes a
 * code n times is n rounds of a few round trips each, as costly as one by one.
 */
async function writeChanges(scope: WriteScope, changes: readonly Change[], outcomes: BulkOutcome[]): Promise<void> {
  if (changes.length === 0) return;
  const db = scope.env.DB;
  const wellFormed = (id: string) => CODE_ID_PATTERN.test(id);
  /** The codes as this call last read or wrote them (null: missing, or deleted by this call). */
  const known = new Map<string, QrCodeRecord | null>();
  const complete = inputCompleter(scope.env, scope.orgId);
  const readAgain = async (ids: string[]) => {
    const found = await findCodesByIds(db, scope.orgId, ids);
    for (const id of ids) known.set(id, found.get(id) ?? null);
  };
  await readAgain([...new Set(changes.map(({ item }) => item.id))].filter(wellFormed));
  // The single PATCH refuses these before anything else; a code does not become one meanwhile.
  const managed = await findMessageQrdlCodeIds(db, [...new Set(changes.filter(({ item }) => item.action === "update").map(({ item }) => item.id))].filter(wellFormed));
  const marker = syncMarker();
  let pending = changes;
  while (pending.length > 0) {
    const round: Change[] = [];
    const later: Change[] = [];
    const inRound = new Set<string>();
    for (const change of pending) {
      if (inRound.has(change.item.id)) later.push(change);
      else {
        inRound.add(change.item.id);
        round.push(change);
      }
    }
    // A code that went through the single-code path in the previous round is read again.
    await readAgain(round.map(({ item }) => item.id).filter((id) => wellFormed(id) && !known.has(id)));
    const planned: PlannedChange[] = [];
    for (const change of round) {
      try {
        planned.push(await planChange(scope, change, known.get(change.item.id), managed, marker, complete));
      } catch (error) {
        outcomes[change.index] = { ok: false, action: change.item.action, id: change.item.id, error };
      }
    }
    for (let start = 0; start < planned.length; start += CHANGES_PER_BATCH)
      await writeChangeBatch(scope, planned.slice(start, start + CHANGES_PER_BATCH), known, outcomes, marker);
    pending = later;
  }
}

/**
 * Idempotency-Key on a bulk call or an import: the whole call's answer, kept as the single create
 * keeps its answer (the idempotency_keys table, 24 hours), replayed for a retry of the same body;
 * the same key with another body is IdempotencyKeyReused. The answer is stored once the call has
 * run, so a retry sent while the first is still running runs too (the single create's race is
 * settled by its batch; a call of 1,000 items is not one batch).
 */
export const bulkRequestFingerprint = (env: Env, route: "bulk" | "import" | "print_run", body: string): Promise<RequestFingerprint> =>
  fingerprintRequest(env, `${route}\n${body}`);

/** The stored answer of an earlier call with this key and body, or null. */
export async function replayBulk(db: D1Database, orgId: string, key: string, fingerprint: RequestFingerprint): Promise<string | null> {
  const stored = await findIdempotentResponse(db, orgId, key);
  if (!stored) return null;
  if (!fingerprint.matches(stored.requestHash)) throw new IdempotencyKeyReused();
  return stored.response;
}

/**
 * Keeps a call's answer under its key; a concurrent call that stored one first keeps its own.
 * Never throws: the codes are written by now, and a 5xx would invite the very retry the key is
 * for. An answer D1 cannot hold (over 2 MB: 1,000 failures with dozens of violations each) is
 * answered but not kept, and logged.
 */
export async function rememberBulk(db: D1Database, orgId: string, key: string, fingerprint: RequestFingerprint, response: string): Promise<void> {
  try {
    // code_id names the single code a key created; a bulk call's key names none.
    await insertIdempotencyStatement(db, orgId, key, { requestHash: fingerprint.stored, codeId: "", response }, isoNow()).run();
  } catch (err) {
    if (isUniqueViolation(err, "idempotency_keys")) return;
    console.error(JSON.stringify({ level: "warn", event: "bulk_answer_not_kept", bytes: response.length, error: err instanceof Error ? err.message : String(err) }));
  }
}

/** Checks a change against its code (undefined: a malformed id, never read) and plans its statements, as replaceCode and deleteCode do. */
async function planChange(scope: WriteScope, { index, item }: Change, existing: QrCodeRecord | null | undefined, managed: ReadonlySet<string>, marker: string, complete: ReturnType<typeof inputCompleter>): Promise<PlannedChange> {
  if (!existing) throw new CodeNotFound();
  checkIfMatch(item.ifMatch, existing);
  if (item.action === "delete") return { index, item, statements: planDelete(scope.env.DB, existing, marker), checked: 0, before: existing, after: null };
  // Its message record would no longer describe where the deep link goes.
  if (managed.has(item.id)) throw new CodeManagedByMessageQrdl();
  const input = await complete(item.change(existing));
  const { logoFileId } = await prepareWrite(scope, input);
  const { stored, statements, replaced } = planReplace(scope, existing, input, { logoFileId, now: isoNow(), marker });
  return { index, item, statements, checked: replaced, before: existing, after: stored };
}

/**
 * One D1 batch of planned changes, then, for those that held their version check, their KV records
 * (pushRedirects: one D1 batch clears the markers) and their webhook events, as the single-code
 * writes send them after their batch.
 */
async function writeChangeBatch(scope: WriteScope, batch: readonly PlannedChange[], known: Map<string, QrCodeRecord | null>, outcomes: BulkOutcome[], marker: string): Promise<void> {
  const { env, orgId } = scope;
  let results: D1Result[];
  try {
    results = await env.DB.batch(batch.flatMap((change) => change.statements));
  } catch {
    // Nothing of this batch was written (a new short token collided: in practice never): each change goes again on its own.
    for (const change of batch) await writeAlone(scope, change, known, outcomes, false);
    return;
  }
  const written: PlannedChange[] = [];
  const lost: PlannedChange[] = [];
  let offset = 0;
  for (const change of batch) {
    (results[offset + change.checked]!.results.length > 0 ? written : lost).push(change);
    offset += change.statements.length;
  }
  for (const { index, item, after } of written) {
    known.set(item.id, after);
    outcomes[index] = after ? { ok: true, action: "update", status: 200, code: after } : { ok: true, action: "delete", status: 204, id: item.id };
  }
  const links = written.flatMap(({ before, after }) => {
    const token = (after ?? before).shortToken;
    return token ? [{ token, record: after ? redirectRecordOf(after) : null }] : [];
  });
  await pushRedirects(env, links, marker, KV_PUSHES_IN_FLIGHT);
  await emitCodeUpdated(env, orgId, written.flatMap(({ after }) => (after ? [representCode(after, scope.publicOrigin)] : [])));
  await emitCodeDeleted(env, orgId, written.flatMap(({ before, after }) => (after ? [] : [before])));
  for (const change of lost) await writeAlone(scope, change, known, outcomes, true);
}

/**
 * A change its batch did not write, through the single-code path: re-read and checked again. One
 * that lost its version check to a concurrent write answers as a single PATCH or DELETE that lost
 * its race: refused when pinned by ifMatch, else applied again to the newer version.
 */
async function writeAlone(scope: WriteScope, { index, item }: Change, known: Map<string, QrCodeRecord | null>, outcomes: BulkOutcome[], lostRace: boolean): Promise<void> {
  known.delete(item.id);
  try {
    if (lostRace && item.ifMatch !== undefined) await refuseLostRace(scope.env.DB, scope.orgId, item.id, item.action === "update" ? "replace" : "delete");
    outcomes[index] =
      item.action === "update"
        ? { ok: true, action: "update", status: 200, code: await replaceCode(scope, item.id, item.change, { ifMatch: item.ifMatch }) }
        : { ok: true, action: "delete", status: 204, id: (await deleteCode(scope, item.id, { ifMatch: item.ifMatch })).id };
  } catch (error) {
    outcomes[index] = { ok: false, action: item.action, id: item.id, error };
  }
}
