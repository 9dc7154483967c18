import { z } from "@hono/zod-openapi";
import { mintSecret } from "../../auth/secrets";
import { insertApiKey, listApiKeys, revokeApiKey } from "../../db/accounts";
import { newRouter } from "../router";
import { Actions, adminRoute, ApiKeySchema, errorResponses, found, FutureDatetime, IssuedApiKeySchema, json, jsonBody, KeyParams, listOf, Name, OrgParams, requireOrganization } from "./schemas";

/** Organization-scoped bearer API keys (zbk_…). */
export const apiKeysRouter = newRouter()
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/organizations/{orgId}/api-keys",
      summary: "Create an organization's bearer API key",
      request: {
        params: OrgParams,
        body: jsonBody(
          z.object({
            name: Name,
            role: z.enum(["read-only", "read-write"]),
            actions: Actions,
            expiresAt: FutureDatetime.optional().openapi({ description: "ISO 8601 date-time in the future" }),
          }),
        ),
      },
      responses: { 201: json("The key and its secret (shown once)", IssuedApiKeySchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      const secret = await mintSecret("bearerKey");
      const apiKey = await insertApiKey(c.env.DB, orgId, { ...c.req.valid("json"), secretHash: secret.hash, secretPrefix: secret.prefix });
      return c.json({ apiKey, secret: secret.secret }, 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/admin/organizations/{orgId}/api-keys",
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
      path: "/admin/api-keys/{keyId}/revoke",
      summary: "Revoke a bearer API key (idempotent)",
      request: { params: KeyParams },
      responses: { 200: json("The revoked key", ApiKeySchema), ...errorResponses },
    }),
    async (c) => c.json(found(await revokeApiKey(c.env.DB, c.req.valid("param").keyId), "API key"), 200),
  );
