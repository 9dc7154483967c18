import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError } from "zod";
import type { AppEnv } from "../env";
import { CodeChanged, CodeManagedByMessageQrdl, CodeNotFound, IdempotencyKeyReused } from "../codes/errors";
import { InvalidInput, type FieldIssue } from "../lib/invalid-input";
import { DependencyUnavailable, RETRY_AFTER_SECONDS } from "../lib/unavailable";

export type { FieldIssue } from "../lib/invalid-input";

/**
 * The one error type routes throw. Each contract family renders it with its own envelope, so a
 * route never builds an error body by hand.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly issues: readonly FieldIssue[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export class ValidationError extends ApiError {
  constructor(issues: readonly FieldIssue[]) {
    super(400, "VALIDATION_FAILED", issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join("; "), issues);
    this.name = "ValidationError";
  }
}

/** Renders an ApiError for one contract family. */
export type ErrorEnvelope = (c: Context<AppEnv>, error: ApiError) => Response;

/** The platform's own envelope (health, docs, admin, anything without a contract of its own). */
export const platformEnvelope: ErrorEnvelope = (c, error) =>
  c.json(
    {
      error: {
        code: error.code,
        message: error.message,
        requestId: c.get("requestId"),
        ...(error.issues.length > 0 ? { issues: error.issues } : {}),
      },
    },
    error.status,
  );

/** One FieldIssue per zod issue, its path dotted and, for a nested object, under `prefix`. */
export function issuesFromZod(error: ZodError, prefix = ""): FieldIssue[] {
  return error.issues.map((issue) => ({ field: [prefix, ...issue.path.map(String)].filter(Boolean).join("."), message: issue.message }));
}

/** Shared hook for every @hono/zod-openapi route: invalid input becomes a typed error. */
export function validationHook(result: { success: true } | { success: false; error: ZodError }): void {
  if (!result.success) throw new ValidationError(issuesFromZod(result.error));
}

let unexpectedErrors = 0;

/**
 * How many errors this isolate turned into an opaque 500 (or, for families that always answer
 * 200, into their generic failure). Every envelope hides the crash from the client, so tests and
 * /health read this counter to tell "answered cleanly" from "crashed and was masked".
 */
export function unexpectedErrorCount(): number {
  return unexpectedErrors;
}

/** Maps anything thrown into an ApiError; unknown errors become an opaque 500 (logged, never echoed). */
export function toApiError(err: unknown, requestId: string): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof InvalidInput) return new ValidationError(err.issues);
  const domain = fromCodeError(err);
  if (domain) return domain;
  if (err instanceof HTTPException) {
    // Hono raises these for malformed JSON bodies and similar transport-level problems.
    const code = err.status === 400 ? "MALFORMED_REQUEST" : err.status === 413 ? "REQUEST_TOO_LARGE" : `HTTP_${err.status}`;
    const message = err.status === 413 ? "Request body is too large" : err.message || "Bad request";
    return new ApiError(err.status as ContentfulStatusCode, code, message);
  }
  // Cloudflare marks transient infrastructure failures (a Durable Object reset or overloaded, a
  // storage blip) as retryable: the client should retry, nothing of ours crashed.
  const transient = typeof err === "object" && err !== null && ((err as { retryable?: unknown }).retryable === true || (err as { overloaded?: unknown }).overloaded === true);
  if (err instanceof DependencyUnavailable || transient) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(JSON.stringify({ level: "warn", requestId, event: "dependency_unavailable", error: message }));
    const dependency = err instanceof DependencyUnavailable ? err.dependency : "a dependency";
    return new ApiError(503, "SERVICE_UNAVAILABLE", `Temporarily unavailable (${dependency}); retry after ${RETRY_AFTER_SECONDS} seconds`);
  }
  unexpectedErrors++;
  console.error(JSON.stringify({ level: "error", requestId, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }));
  return new ApiError(500, "INTERNAL", "Internal error; quote the request id when reporting it");
}

/**
 * The code domain's errors (src/codes/errors.ts) as the QR code resource answers them. A missing
 * code is a 400 there, as the contract says; message QR codes catch these and answer their own way.
 */
function fromCodeError(err: unknown): ApiError | null {
  if (err instanceof CodeNotFound) return new ApiError(400, "NOT_FOUND", err.message);
  if (err instanceof CodeChanged) return new ApiError(412, "PRECONDITION_FAILED", err.message);
  if (err instanceof CodeManagedByMessageQrdl) return new ApiError(409, "MANAGED_BY_MESSAGE_QRDL", err.message);
  if (err instanceof IdempotencyKeyReused) return new ApiError(422, "IDEMPOTENCY_KEY_REUSED", err.message);
  return null;
}

/** What a request whose client went away is answered with: nobody reads it (nginx's "client closed request"). */
export const CLIENT_CLOSED_REQUEST = 499;

export function renderError(c: Context<AppEnv>, err: unknown): Response {
  const requestId = c.get("requestId") ?? crypto.randomUUID();
  // The client went away (request.signal, enable_request_signal): whatever was interrupted, that
  // is not a crash, and nobody is left to read an envelope.
  if (c.req.raw.signal?.aborted) {
    console.log(JSON.stringify({ level: "info", requestId, event: "request_aborted", error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }));
    return new Response(null, { status: CLIENT_CLOSED_REQUEST });
  }
  const envelope = c.get("envelope") ?? platformEnvelope;
  const error = toApiError(err, requestId);
  if (error.code === "SERVICE_UNAVAILABLE") c.header("Retry-After", String(RETRY_AFTER_SECONDS));
  return envelope(c, error);
}

/**
 * Hono's bodyLimit, counting a body while it streams (chunked bodies included) and refusing it
 * past `maxBytes` before anything parses it; the refusal is rendered by the route's own envelope.
 */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(413, "REQUEST_TOO_LARGE", `Request body is too large (at most ${maxBytes} bytes)`);
    },
  });
}
