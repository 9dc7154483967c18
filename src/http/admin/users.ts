import { z } from "@hono/zod-openapi";
import { generatePassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../../auth/passwords";
import { mintSecret } from "../../auth/secrets";
import { endUserSessions, mintSignInLink, setUserPassword, signInLinkUrl } from "../../auth/sessions";
import { findConsoleUser, setConsoleRoleStatement } from "../../db/console";
import { ConsoleRoleSchema, ConsoleUserSchema, fromSignInError, NewPassword } from "../console-users";
import { publicBaseUrl } from "../origin";
import { deleteUser, findMember, insertUser, listUsers, rotateUserApiKey, setUserStatus } from "../../db/accounts";
import { ApiError, ValidationError } from "../errors";
import { newRouter } from "../router";
import { adminRoute, Email, errorResponses, found, Id, json, jsonBody, listOf, Name, OrgParams, requireOrganization, requireUser, UserParams, UserSchema, UserWithApiKeySchema } from "./schemas";

/** Users of an organization and their api_keys. */
export const usersRouter = newRouter()
  .openapi(
    adminRoute({
      method: "post",
      path: "/organizations/{orgId}/users",
      operationId: "createUser",
      summary: "Create an active user and its api_key",
      request: {
        params: OrgParams,
        body: jsonBody(z.object({ name: Name, email: Email.optional(), memberId: Id.optional() })),
      },
      responses: { 201: json("The user and its api_key (shown once)", UserWithApiKeySchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      const input = c.req.valid("json");
      await requireOrganization(c.env.DB, orgId);
      if (input.memberId !== undefined) {
        const member = await findMember(c.env.DB, input.memberId);
        if (member?.orgId !== orgId) throw new ValidationError([{ field: "memberId", message: "is not a member of this organization" }]);
      }
      const apiKey = await mintSecret("userApiKey");
      const user = await insertUser(c.env.DB, orgId, { ...input, apiKeyHash: apiKey.hash, apiKeyPrefix: apiKey.prefix });
      return c.json({ user, apiKey: apiKey.secret }, 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/organizations/{orgId}/users",
      operationId: "listUsers",
      summary: "List an organization's users",
      request: { params: OrgParams },
      responses: { 200: json("The users", listOf(UserSchema, "UserList")), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json({ items: await listUsers(c.env.DB, orgId) }, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/users/{userId}",
      operationId: "getUser",
      summary: "Get a user",
      request: { params: UserParams },
      responses: { 200: json("The user", UserSchema), ...errorResponses },
    }),
    async (c) => c.json(await requireUser(c.env.DB, c.req.valid("param").userId), 200),
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/users/{userId}/activate",
      operationId: "activateUser",
      summary: "Activate a user",
      request: { params: UserParams },
      responses: { 200: json("The user", UserSchema), ...errorResponses },
    }),
    async (c) => c.json(found(await setUserStatus(c.env.DB, c.req.valid("param").userId, "active"), "User"), 200),
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/users/{userId}/deactivate",
      operationId: "deactivateUser",
      summary: "Deactivate a user (its api_key is refused while inactive)",
      request: { params: UserParams },
      responses: { 200: json("The user", UserSchema), ...errorResponses },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const user = found(await setUserStatus(c.env.DB, userId, "inactive"), "User");
      // After the status: from then on no session of the user is honoured, so none can slip in between.
      await endUserSessions(c.env.DB, userId);
      return c.json(user, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "delete",
      path: "/users/{userId}",
      operationId: "deleteUser",
      summary: "Delete a user and its developer keys",
      description:
        "Cannot be undone. The user's api_key and every developer key it issued (revoked or not) are deleted with it, so produceQRCode answers INVALID_API_KEY for its api_key at once. Nothing else belongs to a user: the organization's codes, keys and files stay. To stop a user for a while instead, deactivate it.",
      request: { params: UserParams },
      responses: { 204: { description: "Deleted" }, ...errorResponses },
    }),
    async (c) => {
      if (!(await deleteUser(c.env.DB, c.req.valid("param").userId))) throw new ApiError(404, "NOT_FOUND", "User not found");
      return c.body(null, 204);
    },
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/users/{userId}/api-key/rotate",
      operationId: "rotateUserApiKey",
      summary: "Replace a user's api_key; the old one stops working at once",
      request: { params: UserParams },
      responses: { 200: json("The user and its new api_key (shown once)", UserWithApiKeySchema), ...errorResponses },
    }),
    async (c) => {
      const apiKey = await mintSecret("userApiKey");
      const user = found(await rotateUserApiKey(c.env.DB, c.req.valid("param").userId, { apiKeyHash: apiKey.hash, apiKeyPrefix: apiKey.prefix }), "User");
      return c.json({ user, apiKey: apiKey.secret }, 200);
    },
  );

// Console sign-in: a password, a role, or a one-time link for a user (issue 17).

const SignInLinkSchema = z
  .object({
    user: ConsoleUserSchema,
    purpose: z.enum(["invite", "reset"]),
    url: z.string().openapi({ description: "`<origin>/console/#/set-password?token=…`: send it to the person; it works once, for 24 hours", example: "https://qr.example/console/#/set-password?token=…" }),
    expiresAt: z.string(),
  })
  .openapi("SignInLink");

usersRouter
  .openapi(
    adminRoute({
      method: "put",
      path: "/users/{userId}/password",
      operationId: "setUserPassword",
      summary: "Set a user's console password (or generate one); the user's sessions end",
      description: `The user must have an email no other user signs in with (409 otherwise). Without \`password\`, one is generated and returned once. ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`,
      request: { params: UserParams, body: jsonBody(z.object({ password: NewPassword.optional() })) },
      responses: {
        200: json("The user, and the password when it was generated (shown once)", z.object({ user: ConsoleUserSchema, password: z.string().optional() }).openapi("UserPasswordSet")),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const given = c.req.valid("json").password;
      const password = given ?? generatePassword();
      const user = await setUserPassword(c.env.DB, userId, password).catch(fromSignInError);
      return c.json(given === undefined ? { user, password } : { user }, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "put",
      path: "/users/{userId}/console-role",
      operationId: "setUserConsoleRole",
      summary: "Set a user's console role (owner, editor or viewer)",
      request: { params: UserParams, body: jsonBody(z.object({ role: ConsoleRoleSchema })) },
      responses: { 200: json("The user", ConsoleUserSchema), ...errorResponses },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      await setConsoleRoleStatement(c.env.DB, userId, c.req.valid("json").role).run();
      return c.json(found(await findConsoleUser(c.env.DB, userId), "User"), 200);
    },
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/users/{userId}/sign-in-links",
      operationId: "createSignInLink",
      summary: "Mint a one-time invite or reset link (24 hours) for a user",
      description:
        "The link opens the console's set-password screen; redeeming it (POST /session/password) sets the password and signs in, once. `purpose` defaults to invite for a user without a password, reset otherwise. The user must have an email no other user signs in with (409 otherwise).",
      request: { params: UserParams, body: { required: false, content: { "application/json": { schema: z.object({ purpose: z.enum(["invite", "reset"]).optional() }) } } } },
      responses: { 201: json("The link (shown once: only its hash is stored)", SignInLinkSchema), ...errorResponses },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const existing = found(await findConsoleUser(c.env.DB, userId), "User");
      const purpose = (c.req.header("Content-Type") ? c.req.valid("json").purpose : undefined) ?? (existing.hasPassword ? "reset" : "invite");
      const link = await mintSignInLink(c.env.DB, userId, purpose).catch(fromSignInError);
      return c.json({ user: link.user, purpose, url: signInLinkUrl(publicBaseUrl(c), link.token), expiresAt: link.expiresAt }, 201);
    },
  );
