import { z } from "@hono/zod-openapi";
import type { Context, ErrorHandler, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { PairingInstanceRecord } from "../../db/pairing";
import type { AppEnv } from "../../env";
import { RETRY_AFTER_SECONDS } from "../../lib/unavailable";
import { authenticateInstanceCall } from "../../pairing/credentials";
import { PairingRefusal, type PairingRefusalCode } from "../../pairing/errors";
import { ApiError, type ErrorEnvelope, renderError } from "../errors";

/**
 * The pairing family's one error shape and its credentials check. Errors:
 * `{"error":"<message>","code":"<CODE>"}` (plus `issues` for invalid input); the request id is in
 * the X-Request-Id header, so two refusals of the same kind are byte-identical bodies.
 */

export type PairingEnv = AppEnv & { Variables: AppEnv["Variables"] & { instance: PairingInstanceRecord } };

/** Nothing of this API may be cached: every answer is one instance's live state. */
export const NO_STORE = { "Cache-Control": "no-store" } as const;

export const pairingEnvelope: ErrorEnvelope = (c, error) =>
  c.json({ error: error.message, code: error.code, ...(error.issues.length > 0 ? { issues: error.issues } : {}) }, error.status, NO_STORE);

export const useEnvelope: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("envelope", pairingEnvelope);
  await next();
};

/** The status of each refusal of the pairing domain. */
const REFUSAL_STATUS: Record<PairingRefusalCode, ContentfulStatusCode> = {
  MISSING_CLIENT_TOKEN: 401,
  INVALID_CLIENT_TOKEN: 401,
  FORBIDDEN: 403,
  INSTANCE_NOT_FOUND: 404,
  INVALID_PAIRING_VALUE: 404,
  INVALID_PHONE: 400,
  PAUSED: 409,
  ALREADY_USED: 409,
  EXPIRED: 410,
};

/** The pairing router's error handler: the domain's refusals become ApiErrors, then the usual rendering. */
export const renderPairingError: ErrorHandler<PairingEnv> = (err, c) =>
  // PairingEnv only adds a variable to AppEnv (Context's setter is what makes the two types unrelated).
  renderError(c as unknown as Context<AppEnv>, err instanceof PairingRefusal ? new ApiError(REFUSAL_STATUS[err.code], err.code, err.message) : err);

export const PairingErrorSchema = z
  .object({
    error: z.string().openapi({ example: "Instance not found" }),
    code: z.string().openapi({ example: "INSTANCE_NOT_FOUND" }),
    issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi("PairingError");

const stringHeader = (description: string) => ({ description, schema: { type: "string" as const } });
/** Every answer of this API, errors included. */
export const noStoreHeaderDoc = { "Cache-Control": stringHeader("Always `no-store`") };

export const errorJson = (description: string) => ({
  description,
  headers: noStoreHeaderDoc,
  content: { "application/json": { schema: PairingErrorSchema } },
});

/** What every call that reaches D1 or an instance's object can answer when either is briefly unreachable. */
export const unavailableJson = {
  ...errorJson("SERVICE_UNAVAILABLE: the database or the instance's object is briefly unreachable; retry after Retry-After seconds"),
  headers: { ...noStoreHeaderDoc, "Retry-After": { description: `Seconds to wait before retrying (${RETRY_AFTER_SECONDS})`, schema: { type: "integer" as const } } },
};

/**
 * `/instances/{instance}/token/{token}/…` with the `Client-Token` header: the instance the call
 * may act on (see authenticateInstanceCall for the order of the checks and their answers).
 */
export const requireInstance: MiddlewareHandler<PairingEnv> = async (c, next) => {
  const instance = await authenticateInstanceCall(c.env, {
    clientToken: c.req.header("Client-Token"),
    instanceId: c.req.param("instance") ?? "",
    instanceToken: c.req.param("token") ?? "",
  });
  c.set("instance", instance);
  await next();
};
