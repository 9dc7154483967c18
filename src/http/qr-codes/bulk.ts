import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { BULK_MAX_ITEMS, bulkRequestFingerprint, rememberBulk, replayBulk, writeInBulk, type BulkItem, type BulkOutcome } from "../../codes/bulk";
import { etagOf } from "../../codes/lookup";
import type { AppEnv } from "../../env";
import { ApiError, issuesFromZod, limitBody, toApiError, ValidationError } from "../errors";
import { problemBodyOf, problemResponse, ProblemSchema } from "../problem";
import { newRouter } from "../router";
import { violationMessage } from "../validation-messages";
import { CodeBody, jsonBody, patchedInput } from "./input";
import { commonErrors, HEADERS, IDEMPOTENCY_KEY } from "./openapi";
import { idempotencyKeyFirst, writeScope } from "./write";
import { requirePermission } from "../bearer";

/**
 * POST /qr_codes/bulk: up to 1,000 creates, merge-patch updates and deletes in one call, one
 * result per operation in request order (codes/bulk.ts says how they are written). One endpoint
 * with an `action` per operation rather than three: a sync from a spreadsheet or a CRM is a mix
 * of the three, and one call keeps its answers in the order its rows were sent.
 */

/** Bulk bodies and CSV imports: 1,000 codes of a few KB each at most. */
export const BULK_MAX_BYTES = 5 * 1024 * 1024;

type Ctx = Context<AppEnv>;

const Id = z.string().openapi({ example: "0193a1b2c3d4e5f6a7b8c9d0" });
const IfMatch = z.string().optional().openapi({ description: "The ETag the change is based on (`\"v3\"`, or `*`): another current version fails this operation alone with 412", example: '"v1"' });

const CreateOperation = z.object({ action: z.literal("create"), code: CodeBody }).openapi("QrCodeBulkCreate", { description: "Creates a code, as POST /qr_codes would" });
const UpdateOperation = z
  .object({ action: z.literal("update"), id: Id, ifMatch: IfMatch, patch: z.record(z.string(), z.unknown()).openapi({ description: "A JSON merge patch of the code, as QrCodePatch describes (what it leaves out stays, null removes)" }) })
  .openapi("QrCodeBulkUpdate", { description: "Applies a JSON merge patch to a code, as PATCH /qr_codes/{id} would; violations are reported under `patch.`" });
const DeleteOperation = z.object({ action: z.literal("delete"), id: Id, ifMatch: IfMatch }).openapi("QrCodeBulkDelete", { description: "Deletes a code, as DELETE /qr_codes/{id} would" });
/** One operation, validated on its own: a bad one is answered in its place, the others run. */
const Operation = z.discriminatedUnion("action", [CreateOperation, UpdateOperation, DeleteOperation]);

const BulkRequest = z
  .object({
    operations: z
      .array(z.unknown())
      .min(1)
      .max(BULK_MAX_ITEMS)
      .openapi({
        items: { oneOf: ["QrCodeBulkCreate", "QrCodeBulkUpdate", "QrCodeBulkDelete"].map((name) => ({ $ref: `#/components/schemas/${name}` })) },
        description: `1 to ${BULK_MAX_ITEMS} operations, each checked on its own (a malformed one fails alone)`,
      }),
  })
  .openapi("QrCodeBulkRequest", {
    example: {
      operations: [
        { action: "create", code: { name: "Table 1", type: "url", content: { url: "https://example.com/menu?table=1" } } },
        { action: "update", id: "0193a1b2c3d4e5f6a7b8c9d0", ifMatch: '"v1"', patch: { name: "Table 2 (terrace)" } },
        { action: "delete", id: "0193a1b2c3d4e5f6a7b8c9d1" },
      ],
    },
  });

export const BulkResultSchema = z
  .object({
    index: z.number().int().openapi({ description: "The operation's (or row's) position in the request, from 0" }),
    action: z.enum(["create", "update", "delete"]),
    status: z.number().int().openapi({ description: "What the single-code call would have answered: 201, 200, 204, or the problem's status (400, 409, 412, …)", example: 201 }),
    id: z.string().optional().openapi({ description: "The code's id (a failed create has none)" }),
    etag: z.string().optional().openapi({ description: "A created or updated code's new version, for a later If-Match", example: '"v1"' }),
    shortToken: z.string().nullable().optional(),
    dynamicUrl: z.string().nullable().optional(),
    problem: ProblemSchema.optional().openapi({ description: "Why this operation failed, as the single-code call would have said it" }),
  })
  .openapi("QrCodeBulkResult");

export const bulkAnswer = <T extends z.ZodTypeAny>(results: T, name: string) =>
  z
    .object({
      results: z.array(results),
      succeeded: z.number().int(),
      failed: z.number().int(),
    })
    .openapi(name);

const BulkResponseSchema = bulkAnswer(BulkResultSchema, "QrCodeBulkResponse");

/** An operation's answer: its status and id, or the problem the single-code call would have rendered. */
export function renderOutcome(c: Ctx, outcome: BulkOutcome, index: number): z.infer<typeof BulkResultSchema> {
  const base = { index, action: outcome.action };
  if (!outcome.ok) {
    const error = toApiError(outcome.error, c.get("requestId") ?? "");
    return { ...base, status: error.status, ...(outcome.id !== undefined ? { id: outcome.id } : {}), problem: problemBodyOf(error) };
  }
  if (outcome.action === "delete") return { ...base, status: 204, id: outcome.id };
  if (outcome.action === "update") return { ...base, status: 200, id: outcome.code.id, etag: etagOf(outcome.code) };
  const { representation } = outcome;
  return { ...base, status: 201, id: representation.id, etag: etagOf(outcome.code), shortToken: representation.metadata.shortToken, dynamicUrl: representation.attributes.dynamicUrl };
}

export const summarize = <T extends { status: number }>(results: T[]) => ({ results, succeeded: results.filter((r) => r.status < 300).length, failed: results.filter((r) => r.status >= 300).length });

/** A merge patch's violations named where they sit in the operation (`patch.content.url`). */
function underPatch(error: unknown): unknown {
  if (error instanceof ApiError && error.issues.length > 0) return new ValidationError(error.issues.map((issue) => ({ ...issue, field: issue.field ? `patch.${issue.field}` : "patch" })));
  return error;
}

/** An operation of the body as codes/bulk.ts runs it, or refused with its violations. */
function toBulkItem(operation: unknown): BulkItem {
  const parsed = Operation.safeParse(operation, { error: violationMessage });
  if (!parsed.success) {
    const action = (operation as { action?: unknown } | null)?.action;
    const id = (operation as { id?: unknown } | null)?.id;
    return {
      action: action === "update" || action === "delete" ? action : "create",
      ...(typeof id === "string" ? { id } : {}),
      refused: new ValidationError(issuesFromZod(parsed.error)),
    };
  }
  const op = parsed.data;
  if (op.action === "create") return { action: "create", input: op.code };
  if (op.action === "delete") return { action: "delete", id: op.id, ifMatch: op.ifMatch };
  const { patch } = op;
  return {
    action: "update",
    id: op.id,
    ifMatch: op.ifMatch,
    change: (current) => {
      try {
        return patchedInput(current, patch);
      } catch (error) {
        throw underPatch(error);
      }
    },
  };
}

/** The answer to a call, kept under its Idempotency-Key; a retry with the key gets the same bytes back. */
export async function answerOnce(c: Ctx, route: "bulk" | "import", body: string, run: () => Promise<unknown>): Promise<Response> {
  const orgId = c.get("apiKey").orgId;
  const key = c.req.header("Idempotency-Key");
  const fingerprint = key === undefined ? null : await bulkRequestFingerprint(c.env, route, body);
  const headers = { "Content-Type": "application/json; charset=utf-8" };
  if (key !== undefined) {
    const replay = await replayBulk(c.env.DB, orgId, key, fingerprint!);
    if (replay !== null) return c.body(replay, 200, { ...headers, "Idempotent-Replayed": "true" });
  }
  const answer = JSON.stringify(await run());
  if (key !== undefined) await rememberBulk(c.env.DB, orgId, key, fingerprint!, answer);
  return c.body(answer, 200, headers);
}

export const bulkRouter = newRouter();

bulkRouter.openapi(
  createRoute({
    method: "post",
    path: "/bulk",
    operationId: "bulkWriteQrCodes",
    tags: ["QR codes"],
    security: [{ bearerKey: [] }],
    summary: "Create, update and delete up to 1,000 QR codes in one call",
    description: [
      `Each operation succeeds or fails on its own (per item, not all or nothing): the answer has one result per operation, in request order, with the status and problem the single-code call would have given. Creates are written together, in D1 batches of 100 codes; then updates and deletes, also in batches of 100, each checked against its code's current version and its own \`ifMatch\` as PATCH and DELETE check them (an operation on a code an earlier operation of the call changed applies to that change, in request order; one that a concurrent request beats answers as the single call would). Another organization's id fails as not found.`,
      `\`Idempotency-Key\` covers the whole call: a retry with the same key and body answers the first call's results again (Idempotent-Replayed: true) without writing anything, for 24 hours; the same key with another body is a 422.`,
    ].join("\n\n"),
    middleware: [requirePermission("qr:WriteQrCode", "write"), idempotencyKeyFirst, limitBody(BULK_MAX_BYTES), jsonBody()] as const,
    parameters: [{ ...IDEMPOTENCY_KEY, description: "1 to 255 visible ASCII characters: a retry of the same call answers its first results again instead of writing twice (kept 24 hours)" }],
    request: { body: { required: true, content: { "application/json": { schema: BulkRequest } } } },
    responses: {
      200: {
        description: "One result per operation, in request order (failed ones carry their problem)",
        headers: { "Idempotent-Replayed": HEADERS.idempotentReplayed },
        content: { "application/json": { schema: BulkResponseSchema } },
      },
      400: problemResponse(`The body is not an object with 1 to ${BULK_MAX_ITEMS} operations, or the Idempotency-Key is malformed`),
      413: problemResponse(`Request body larger than ${BULK_MAX_BYTES} bytes`),
      422: problemResponse("This Idempotency-Key was already used with a different body"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const { operations } = c.req.valid("json");
    const apiKey = c.get("apiKey");
    return answerOnce(c, "bulk", await c.req.text(), async () => {
      const outcomes = await writeInBulk(writeScope(c), operations.map(toBulkItem), apiKey.name);
      return summarize(outcomes.map((outcome, index) => renderOutcome(c, outcome, index)));
    }) as never;
  },
);
bulkRouter.openAPIRegistry.register("QrCodeBulkCreate", CreateOperation);
bulkRouter.openAPIRegistry.register("QrCodeBulkUpdate", UpdateOperation);
bulkRouter.openAPIRegistry.register("QrCodeBulkDelete", DeleteOperation);
