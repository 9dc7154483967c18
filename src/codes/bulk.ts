import { isUniqueViolation } from "../db/constraints";
import { findIdempotentResponse, insertIdempotencyStatement } from "../db/qr-codes";
import { isoNow } from "../lib/time";
import { sha256Hex } from "../lib/hex";
import { IdempotencyKeyReused } from "./errors";
import { newCodeId } from "./ids";
import type { CodeInput, QrCodeRecord } from "./record";
import type { QrCodeRepresentation } from "./representation";
import { pushRedirects, redirectRecordOf, syncMarker } from "./short-links";
import { emitCodeCreated } from "../webhooks/code-events";
import { createCode, deleteCode, planCreate, prepareWrite, replaceCode, type PlannedCreate, type WriteScope } from "./writes";

/**
 * Many codes written in one call (POST /qr_codes/bulk and the CSV import), through the single-code
 * writes of writes.ts: the same checks (prepareWrite), the same statements (planCreate), the same
 * replace and delete with their If-Match and retries.
 *
 * Per item, never all or nothing: an item that fails (invalid, missing, changed meanwhile) is
 * answered with its problem and the others are written, as Dub's bulk endpoints do. A list of 1,000
 * codes from a spreadsheet with one typo should not have to be sent twice.
 *
 * Creates are written together: their statements go to D1 in batches of CREATES_PER_BATCH codes
 * (about 3 statements each, every statement under the 100 bound parameters), so 1,000 creates are
 * 10 round trips instead of 1,000. A batch is a transaction: when one fails (a short-token
 * collision, in practice never) its codes are created again one by one by createCode, which draws
 * new tokens. Updates and deletes then apply one by one in request order (replaceCode,
 * deleteCode): each reads the code it changes, so one call may update a code and then delete it.
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
  for (const [index, item] of items.entries()) {
    if ("refused" in item) outcomes[index] = { ok: false, action: item.action, ...(item.id !== undefined ? { id: item.id } : {}), error: item.refused };
    else if (item.action === "create") {
      try {
        const { logoFileId } = await prepareWrite(scope, item.input);
        creates.push({ index, input: item.input, planned: planCreate(scope, item.input, { id: newCodeId(), logoFileId, createdBy, now, marker }) });
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
  for (const [index, item] of items.entries()) {
    if ("refused" in item || item.action === "create") continue;
    try {
      outcomes[index] =
        item.action === "update"
          ? { ok: true, action: "update", status: 200, code: await replaceCode(scope, item.id, item.change, { ifMatch: item.ifMatch }) }
          : { ok: true, action: "delete", status: 204, id: (await deleteCode(scope, item.id, { ifMatch: item.ifMatch })).id };
    } catch (error) {
      outcomes[index] = { ok: false, action: item.action, id: item.id, error };
    }
  }
  return outcomes;
}

/**
 * Idempotency-Key on a bulk call or an import: the whole call's answer, kept as the single create
 * keeps its answer (the idempotency_keys table, 24 hours), replayed for a retry of the same body;
 * the same key with another body is IdempotencyKeyReused. The answer is stored once the call has
 * run, so a retry sent while the first is still running runs too (the single create's race is
 * settled by its batch; a call of 1,000 items is not one batch).
 */
export const bulkRequestHash = (route: "bulk" | "import", body: string): Promise<string> => sha256Hex(`${route}\n${body}`);

/** The stored answer of an earlier call with this key and body, or null. */
export async function replayBulk(db: D1Database, orgId: string, key: string, hash: string): Promise<string | null> {
  const stored = await findIdempotentResponse(db, orgId, key);
  if (!stored) return null;
  if (stored.requestHash !== hash) throw new IdempotencyKeyReused();
  return stored.response;
}

/**
 * Keeps a call's answer under its key; a concurrent call that stored one first keeps its own.
 * Never throws: the codes are written by now, and a 5xx would invite the very retry the key is
 * for. An answer D1 cannot hold (over 2 MB: 1,000 failures with dozens of violations each) is
 * answered but not kept, and logged.
 */
export async function rememberBulk(db: D1Database, orgId: string, key: string, hash: string, response: string): Promise<void> {
  try {
    // code_id names the single code a key created; a bulk call's key names none.
    await insertIdempotencyStatement(db, orgId, key, { requestHash: hash, codeId: "", response }, isoNow()).run();
  } catch (err) {
    if (isUniqueViolation(err, "idempotency_keys")) return;
    console.error(JSON.stringify({ level: "warn", event: "bulk_answer_not_kept", bytes: response.length, error: err instanceof Error ? err.message : String(err) }));
  }
}
