import { z } from "@hono/zod-openapi";
import { defaultActionsFor } from "../../auth/actions";
import { issueApiKey } from "../../accounts/keys";
import { listApiKeys, revokeApiKey } from "../../db/accounts";
import { newRouter } from "../router";
import { Actions, ACTIONS_DESCRIPTION, adminRoute, ApiKeySchema, errorResponses, found, FutureDatetime, IssuedApiKeySchema, json, jsonBody, KeyParams, listOf, Name, OrgParams, requireOrganization } from "./schemas";

/** Organization-scoped bearer API keys (zbk_…). */
export const apiKeysRouter = newRouter()
  .openapi(
    adminRoute({
      method: "post",
      path: "/organizations/{orgId}/api-keys",
      operationId: "createApiKey",
      summary: "Create an organization's bearer API key",
      request: {
        params: OrgParams,
        body: jsonBody(
          z.object({
            name: Name,
            role: z.enum(["read-only", "read-write"]),
            actions: Actions.optional().openapi({
              description: `Actions the key is granted. Omitted: every action its role can use, so a read-only key gets every read action (${defaultActionsFor("read-only").join(", ")}) and a read-write key every action. An empty list grants nothing. The catalog: ${ACTIONS_DESCRIPTION}.`,
            }),
            expiresAt: FutureDatetime.optional().openapi({ description: "ISO 8601 date-time in the future" }),
          }),
        ),
      },
      responses: { 201: json("The key and its secret (shown once)", IssuedApiKeySchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json(await issueApiKey(c.env.DB, orgId, c.req.valid("json")), 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/organizations/{orgId}/api-keys",
      operationId: "listApiKeys",
      summary: "List an organization's bearer API keys",
      request: { params: OrgParams },
      responses: { 200: json("The keys, revoked ones included", listOf(ApiKeySchema, "ApiKeyList")), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json({ items: await listApiKeys(c.env.DB, orgId) }, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/api-keys/{keyId}/revoke",
      operationId: "revokeApiKey",
      summary: "Revoke a bearer API key (idempotent)",
      request: { params: KeyParams },
      responses: { 200: json("The revoked key", ApiKeySchema), ...errorResponses },
    }),
    async (c) => c.json(found(await revokeApiKey(c.env.DB, c.req.valid("param").keyId), "API key"), 200),
  );
