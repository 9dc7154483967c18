import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import type { KnownAction } from "../auth/actions";
import { recordKeyUse } from "../auth/key-use";
import { digestsEqual, hashSecret, isWellFormedSecret } from "../auth/secrets";
import { findApiKeyByHash, touchApiKey, type ApiKey } from "../db/accounts";
import type { AppEnv } from "../env";
import { ApiError } from "./errors";

/**
 * Thrown from bearerAuth's message hook: Hono would wrap a returned Response in an HTTPException
 * and lose its body, while a thrown ApiError reaches the family's envelope as it is.
 */
const unauthorized = (message: string) => (c: Context<AppEnv>): never => {
  c.header("WWW-Authenticate", 'Bearer realm="api"');
  throw new ApiError(401, "UNAUTHORIZED", message);
};

/** The organization key behind a presented bearer token, or null (unknown, revoked, expired, or its organization not active). */
export async function findUsableApiKey(db: D1Database, token: string, now = new Date()): Promise<ApiKey | null> {
  // A token that fails its checksum cannot exist; refuse it without touching the database.
  if (!isWellFormedSecret(token, "bearerKey")) return null;
  const digest = await hashSecret(token);
  const found = await findApiKeyByHash(db, digest);
  if (!found || !digestsEqual(digest, found.storedHash)) return null;
  const { key } = found;
  if (key.status !== "active" || !found.orgActive) return null;
  if (key.expiresAt !== null && Date.parse(key.expiresAt) <= now.getTime()) return null;
  return key;
}

/**
 * `Authorization: Bearer zbk_…` for the organization-scoped APIs, through Hono's bearerAuth.
 * Every failure (no header, a malformed one, an unknown, revoked or expired key) is a 401 in the
 * route family's own envelope; a bad header is 401 rather than Hono's 400 so clients see one
 * "authenticate again" signal.
 */
export function bearerKeyAuth(): MiddlewareHandler<AppEnv> {
  return bearerAuth({
    realm: "api",
    noAuthenticationHeader: { message: unauthorized("Authentication required: send Authorization: Bearer <API key>") },
    invalidAuthenticationHeader: { message: unauthorized("Malformed Authorization header: expected Bearer <API key>") },
    invalidToken: { message: unauthorized("Invalid, revoked or expired API key, or its organization is deactivated") },
    verifyToken: async (token, c: Context<AppEnv>) => {
      const key = await findUsableApiKey(c.env.DB, token);
      if (!key) return false;
      c.set("apiKey", key);
      recordKeyUse(c.executionCtx, key.lastUsedAt, (staleBefore) => touchApiKey(c.env.DB, key.id, staleBefore));
      return true;
    },
  });
}

/** 403 unless the authenticated key carries `action` (and, for writes, the read-write role). */
export function requirePermission(action: KnownAction, access: "read" | "write"): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.get("apiKey");
    if (access === "write" && key.role !== "read-write")
      throw new ApiError(403, "FORBIDDEN", "Access Denied: this API key is read-only");
    if (!key.actions.includes(action)) throw new ApiError(403, "FORBIDDEN", `Access Denied: this API key is not granted ${action}`);
    await next();
  };
}
