import { z } from "@hono/zod-openapi";
import { mintSecret } from "../../auth/secrets";
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
    async (c) => c.json(found(await setUserStatus(c.env.DB, c.req.valid("param").userId, "inactive"), "User"), 200),
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
