import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { defaultActionsFor, type KnownAction } from "../auth/actions";
import { recordKeyUse } from "../auth/key-use";
import { digestsEqual, hashSecret, isWellFormedSecret } from "../auth/secrets";
import { findSession, type ConsoleSession } from "../auth/sessions";
import { findApiKeyByHash, touchApiKey, type ApiKey } from "../db/accounts";
import type { AppEnv } from "../env";
import { ApiError } from "./errors";
import { isStateChanging, requireSameOrigin, sessionToken } from "./session-cookie";

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
 * What a console session may do on the public API, in the shape of an organization key so that
 * every route reads one thing (`apiKey`: its orgId, role, actions; `name` is who created a code).
 * Owners and editors hold every action a full read-write key holds; viewers every read action.
 */
export function apiKeyOfSession(session: ConsoleSession): ApiKey {
  const role = session.user.role === "viewer" ? "read-only" : "read-write";
  return {
    id: `session:${session.user.id}`,
    orgId: session.organization.id,
    name: session.user.email,
    secretPrefix: "",
    role,
    actions: defaultActionsFor(role),
    status: "active",
    expiresAt: session.expiresAt,
    // Not a stored key: no creation time of its own (nothing reads it for a session).
    createdAt: session.expiresAt,
    revokedAt: null,
    lastUsedAt: null,
  };
}

/**
 * The console's way in: the `eqr_session` cookie, used only when no Authorization header is sent.
 * A state-changing request must also carry our own Origin (the cookie would ride along on another
 * site's form post); a 401 for a session that is gone, so the console signs in again.
 */
async function authenticateSession(c: Context<AppEnv>, token: string): Promise<void> {
  const session = await findSession(c.env.DB, token);
  if (!session) throw new ApiError(401, "UNAUTHORIZED", "Session expired or signed out: sign in again");
  if (isStateChanging(c)) requireSameOrigin(c, true);
  c.set("consoleSession", session);
  c.set("apiKey", apiKeyOfSession(session));
}

/**
 * `Authorization: Bearer zbk_…` for the organization-scoped APIs, through Hono's bearerAuth.
 * Every failure (no header, a malformed one, an unknown, revoked or expired key) is a 401 in the
 * route family's own envelope; a bad header is 401 rather than Hono's 400 so clients see one
 * "authenticate again" signal. Without an Authorization header, a console session cookie
 * authenticates instead (the console calls the same routes a client does).
 */
export function bearerKeyAuth(): MiddlewareHandler<AppEnv> {
  const byKey = bearerAuth({
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
  return async (c, next) => {
    const token = c.req.header("Authorization") === undefined ? sessionToken(c) : undefined;
    if (token === undefined) return byKey(c, next);
    await authenticateSession(c, token);
    await next();
    // A request with Authorization is never stored by a shared cache unless the answer says public
    // (RFC 9111 §3.5); one with a cookie has no such protection, so a proxy or a "cache everything"
    // rule could hand one person's list to another tenant. Answers that say nothing about caching
    // (the download's `private, no-cache` stays) are kept by no cache at all.
    if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "private, no-store");
  };
}

/** 403 unless the authenticated key carries `action` (and, for writes, the read-write role). */
export function requirePermission(action: KnownAction, access: "read" | "write"): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.get("apiKey");
    const session = c.get("consoleSession");
    if (access === "write" && key.role !== "read-write")
      throw new ApiError(403, "FORBIDDEN", session ? `Access Denied: the ${session.user.role} role is read-only` : "Access Denied: this API key is read-only");
    if (!key.actions.includes(action)) throw new ApiError(403, "FORBIDDEN", `Access Denied: this API key is not granted ${action}`);
    await next();
  };
}
