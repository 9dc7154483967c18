import { z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { digestsEqual, hashSecret, isWellFormedSecret } from "../../auth/secrets";
import { findPairingCredentials, type PairingInstance } from "../../db/pairing";
import type { AppEnv } from "../../env";
import { ApiError, type ErrorEnvelope } from "../errors";

/**
 * The pairing family's one error shape, its credentials check and the helpers its routes share.
 * Errors: `{"error":"<message>","code":"<CODE>"}` (plus `issues` for invalid input); the request
 * id is in the X-Request-Id header, so two refusals of the same kind are byte-identical bodies.
 */

export type PairingEnv = AppEnv & { Variables: AppEnv["Variables"] & { instance: PairingInstance } };

/** Nothing of this API may be cached: every answer is one instance's live state. */
export const NO_STORE = { "Cache-Control": "no-store" } as const;

export const pairingEnvelope: ErrorEnvelope = (c, error) =>
  c.json({ error: error.message, code: error.code, ...(error.issues.length > 0 ? { issues: error.issues } : {}) }, error.status, NO_STORE);

export const useEnvelope: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("envelope", pairingEnvelope);
  await next();
};

export const PairingErrorSchema = z
  .object({
    error: z.string().openapi({ example: "Instance not found" }),
    code: z.string().openapi({ example: "INSTANCE_NOT_FOUND" }),
    issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi("PairingError");

export const errorJson = (description: string) => ({ description, content: { "application/json": { schema: PairingErrorSchema } } });

const missingClientToken = () => new ApiError(401, "MISSING_CLIENT_TOKEN", "The Client-Token header is required");
const invalidClientToken = () => new ApiError(401, "INVALID_CLIENT_TOKEN", "Invalid Client-Token");
/** The same answer for an unknown instance id and a wrong instance token. */
export const instanceNotFound = () => new ApiError(404, "INSTANCE_NOT_FOUND", "Instance not found");

/**
 * `/instances/{instance}/token/{token}/…` with the `Client-Token` header, checked in this order:
 * no or malformed Client-Token 401 (no database read), unknown Client-Token 401, a Client-Token of
 * a deactivated organization 401 (same code, its own message), then an unknown
 * instance and a wrong instance token the same 404 (so only a caller holding the token learns
 * that an instance exists), then a Client-Token of another organization 403. Both secrets are
 * hashed whatever their shape and looked up in one D1 round trip.
 */
export const requireInstance: MiddlewareHandler<PairingEnv> = async (c, next) => {
  const clientToken = c.req.header("Client-Token");
  if (clientToken === undefined || clientToken === "") throw missingClientToken();
  if (!isWellFormedSecret(clientToken, "pairingClientToken")) throw invalidClientToken();
  const instanceId = c.req.param("instance") ?? "";
  const token = c.req.param("token") ?? "";
  const [clientHash, tokenHash] = await Promise.all([hashSecret(clientToken), hashSecret(token)]);
  const { client, instance } = await findPairingCredentials(c.env.DB, clientHash, instanceId);
  if (!client || !digestsEqual(clientHash, client.storedHash)) throw invalidClientToken();
  if (!client.orgActive) throw new ApiError(401, "INVALID_CLIENT_TOKEN", "This Client-Token's account is deactivated");
  const tokenMatches = instance !== null && digestsEqual(tokenHash, instance.storedHash);
  if (!instance || !tokenMatches || !isWellFormedSecret(token, "pairingInstanceToken")) throw instanceNotFound();
  if (instance.orgId !== client.orgId) throw new ApiError(403, "FORBIDDEN", "This Client-Token belongs to another account than the instance");
  const { storedHash: _, ...record } = instance;
  c.set("instance", record);
  await next();
};

/** The instance's Durable Object. */
export function instanceObject(env: Env, instanceId: string) {
  return env.PAIRING_INSTANCE.get(env.PAIRING_INSTANCE.idFromName(instanceId));
}

/** ISO 8601 with +00:00, as every timestamp of the platform (expiries fall on whole seconds). */
export const isoAt = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");

/**
 * `Expires` for a value or code, with the server's `Date` beside it so a client computes the time
 * left without trusting its own clock.
 */
export function expiryHeaders(expiresAt: number): Record<string, string> {
  return { ...NO_STORE, Expires: new Date(expiresAt).toUTCString(), Date: new Date().toUTCString() };
}

/** E.164: a country code that does not start with 0, then the number; 8 to 15 digits in all. */
const E164 = /^\+?([1-9]\d{7,14})$/;

/** `+<digits>` for an E.164 number written with or without +, spaces, hyphens, dots or brackets; else null. */
export function normalisePhone(text: string): string | null {
  const match = E164.exec(text.replace(/[\s().-]/g, ""));
  return match ? `+${match[1]}` : null;
}
