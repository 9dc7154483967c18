import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { issueApiKey, issueDeveloperKey, listOrganizationDeveloperKeys, revokeOwnApiKey, revokeOwnDeveloperKey, setOwnDeveloperKeyAllowlist } from "../accounts/keys";
import { defaultActionsFor } from "../auth/actions";
import { findSession } from "../auth/sessions";
import { listApiKeys } from "../db/accounts";
import { changeConsoleRole, findConsoleUser, listConsoleUsers } from "../db/console";
import type { AppEnv } from "../env";
import { Actions, ACTIONS_DESCRIPTION, Allowlist, ApiKeySchema, DeveloperKeySchema, FutureDatetime, Id, IssuedApiKeySchema, IssuedDeveloperKeySchema, Name } from "./admin/schemas";
import { ConsoleRoleSchema, ConsoleUserSchema } from "./console-users";
import { ApiError, limitBody } from "./errors";
import { problemEnvelope, problemResponse } from "./problem";
import { newRouter } from "./router";
import { isStateChanging, requireSameOrigin, sessionToken } from "./session-cookie";

/**
 * `/organization/…`: an owner's settings for their own organization, from the console: bearer API
 * keys, members and their console roles, developer keys with their IP allowlists.
 *
 * An owner's console session only. API keys cannot reach these routes (403), by design: a key that
 * leaks must not be able to mint more keys, or to promote anyone; the operator's admin API covers
 * automation. Answers in problem+json, as the console's other calls.
 */

const MAX_BODY_BYTES = 64 * 1024;

const ownerSession: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.header("Authorization") !== undefined)
    throw new ApiError(403, "FORBIDDEN", "Organization settings take an owner's console session; API keys cannot manage keys or members");
  const session = await findSession(c.env.DB, sessionToken(c));
  if (!session) throw new ApiError(401, "UNAUTHORIZED", "Not signed in");
  if (isStateChanging(c)) requireSameOrigin(c, true);
  if (session.user.role !== "owner") throw new ApiError(403, "FORBIDDEN", `Access Denied: organization settings are for owners; the ${session.user.role} role cannot change them`);
  c.set("consoleSession", session);
  await next();
};

/** The owner's organization: set by ownerSession before any handler runs. */
const orgIdOf = (c: { get(key: "consoleSession"): AppEnv["Variables"]["consoleSession"] }): string => c.get("consoleSession")!.organization.id;

export const organizationRouter = newRouter();
organizationRouter.use("*", async (c, next) => {
  c.set("envelope", problemEnvelope);
  // Secrets appear in some answers, and every answer is one owner's view.
  c.header("Cache-Control", "no-store");
  await next();
});
organizationRouter.use("*", ownerSession, limitBody(MAX_BODY_BYTES));

const tags = ["Organization settings"];
const security = [{ consoleSession: [] }];
const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const json = <T extends z.ZodType>(description: string, schema: T) => ({ description, content: { "application/json": { schema } } });
const errors = {
  400: problemResponse("Invalid request; `violations` names each field"),
  401: problemResponse("Not signed in"),
  403: problemResponse("Not an owner; an API key instead of a console session; or a write without this server's Origin (Cross-origin request refused)"),
  404: problemResponse("The organization has no such key or user"),
};
const KeyParams = z.object({ keyId: Id });
const UserParams = z.object({ userId: Id });

const ApiKeyListSchema = z.object({ items: z.array(ApiKeySchema) }).openapi("OrganizationApiKeyList");
const UserListSchema = z.object({ items: z.array(ConsoleUserSchema) }).openapi("OrganizationUserList");
const DeveloperKeyListSchema = z.object({ items: z.array(DeveloperKeySchema) }).openapi("OrganizationDeveloperKeyList");

const notFound = (what: string) => new ApiError(404, "NOT_FOUND", `${what} not found`);

organizationRouter
  .openapi(
    createRoute({
      method: "get",
      path: "/api_keys",
      operationId: "listOrganizationApiKeys",
      tags,
      security,
      summary: "List the organization's bearer API keys (never their secrets)",
      responses: { 200: json("The keys, revoked ones included", ApiKeyListSchema), ...errors },
    }),
    async (c) => c.json({ items: await listApiKeys(c.env.DB, orgIdOf(c)) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api_keys",
      operationId: "createOrganizationApiKey",
      tags,
      security,
      summary: "Create a bearer API key; its secret is shown once",
      request: {
        body: jsonBody(
          z.object({
            name: Name,
            role: z.enum(["read-only", "read-write"]),
            actions: Actions.optional().openapi({
              description: `Omitted: every action the role can use (a read-only key: ${defaultActionsFor("read-only").join(", ")}). The catalog: ${ACTIONS_DESCRIPTION}.`,
            }),
            expiresAt: FutureDatetime.optional().openapi({ description: "ISO 8601 date-time in the future" }),
          }),
        ),
      },
      responses: { 201: json("The key and its secret (shown once)", IssuedApiKeySchema), ...errors },
    }),
    async (c) => c.json(await issueApiKey(c.env.DB, orgIdOf(c), c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api_keys/{keyId}/revoke",
      operationId: "revokeOrganizationApiKey",
      tags,
      security,
      summary: "Revoke a bearer API key (idempotent)",
      request: { params: KeyParams },
      responses: { 200: json("The revoked key", ApiKeySchema), ...errors },
    }),
    async (c) => {
      const key = await revokeOwnApiKey(c.env.DB, orgIdOf(c), c.req.valid("param").keyId);
      if (!key) throw notFound("API key");
      return c.json(key, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/users",
      operationId: "listOrganizationUsers",
      tags,
      security,
      summary: "List the organization's members and their console roles",
      responses: { 200: json("The users", UserListSchema), ...errors },
    }),
    async (c) => c.json({ items: await listConsoleUsers(c.env.DB, orgIdOf(c)) }, 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/users/{userId}/role",
      operationId: "setOrganizationUserRole",
      tags,
      security,
      summary: "Change a member's console role",
      description: "The organization keeps at least one active owner who can sign in: demoting the last one answers 409.",
      request: { params: UserParams, body: jsonBody(z.object({ role: ConsoleRoleSchema })) },
      responses: { 200: json("The user", ConsoleUserSchema), ...errors, 409: problemResponse("That would leave the organization without an owner") },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const outcome = await changeConsoleRole(c.env.DB, orgIdOf(c), userId, c.req.valid("json").role);
      if (outcome === "missing") throw notFound("User");
      if (outcome === "last-owner") throw new ApiError(409, "CONFLICT", "The organization needs an owner who can sign in: make someone else an owner first");
      return c.json((await findConsoleUser(c.env.DB, userId))!, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/developer_keys",
      operationId: "listOrganizationDeveloperKeys",
      tags,
      security,
      summary: "List the developer keys (produceQRCode) the organization's users issued",
      responses: { 200: json("The keys, revoked ones included", DeveloperKeyListSchema), ...errors },
    }),
    async (c) => c.json({ items: await listOrganizationDeveloperKeys(c.env.DB, orgIdOf(c)) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/developer_keys",
      operationId: "createOrganizationDeveloperKey",
      tags,
      security,
      summary: "Issue a developer key with an IP allowlist; its secret is shown once",
      description: "Issued by `userId` (a user of the organization; the signed-in owner when omitted), whose api_key produceQRCode takes with it.",
      request: { body: jsonBody(z.object({ userId: Id.optional(), label: Name.optional(), allowlist: Allowlist })) },
      responses: { 201: json("The key and its developer_secret (shown once)", IssuedDeveloperKeySchema), ...errors },
    }),
    async (c) => {
      const orgId = orgIdOf(c);
      const { userId = c.get("consoleSession")!.user.id, label, allowlist } = c.req.valid("json");
      const user = await findConsoleUser(c.env.DB, userId);
      if (user?.orgId !== orgId) throw notFound("User");
      return c.json(await issueDeveloperKey(c.env.DB, userId, { label, allowlist }), 201);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/developer_keys/{keyId}/allowlist",
      operationId: "replaceOrganizationDeveloperKeyAllowlist",
      tags,
      security,
      summary: "Replace a developer key's IP allowlist",
      request: { params: KeyParams, body: jsonBody(z.object({ allowlist: Allowlist })) },
      responses: { 200: json("The key", DeveloperKeySchema), ...errors },
    }),
    async (c) => {
      const key = await setOwnDeveloperKeyAllowlist(c.env.DB, orgIdOf(c), c.req.valid("param").keyId, c.req.valid("json").allowlist);
      if (!key) throw notFound("Developer key");
      return c.json(key, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/developer_keys/{keyId}/revoke",
      operationId: "revokeOrganizationDeveloperKey",
      tags,
      security,
      summary: "Revoke a developer key (idempotent)",
      request: { params: KeyParams },
      responses: { 200: json("The revoked key", DeveloperKeySchema), ...errors },
    }),
    async (c) => {
      const key = await revokeOwnDeveloperKey(c.env.DB, orgIdOf(c), c.req.valid("param").keyId);
      if (!key) throw notFound("Developer key");
      return c.json(key, 200);
    },
  );
