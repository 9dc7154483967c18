import { z } from "@hono/zod-openapi";
import { mintSecret } from "../../auth/secrets";
import { issueDeveloperKey } from "../../accounts/keys";
import {
  findDeveloperKey,
  listActiveSuccessorIds,
  listDeveloperKeys,
  reissueDeveloperKey,
  revokeDeveloperKey,
  setDeveloperKeyAllowlist,
} from "../../db/accounts";
import { ApiError } from "../errors";
import { newRouter } from "../router";
import {
  adminRoute,
  Allowlist,
  DeveloperKeySchema,
  ErrorSchema,
  errorResponses,
  found,
  IssuedDeveloperKeySchema,
  json,
  jsonBody,
  KeyParams,
  listOf,
  Name,
  requireUser,
  UserParams,
} from "./schemas";

/** Developer keys a user issues to outside developers: secret, IP allowlist, revoke, reissue. */
export const developerKeysRouter = newRouter()
  .openapi(
    adminRoute({
      method: "post",
      path: "/users/{userId}/developer-keys",
      operationId: "issueDeveloperKey",
      summary: "Issue a developer key for a user",
      request: {
        params: UserParams,
        body: jsonBody(z.object({ label: Name.optional(), allowlist: Allowlist })),
      },
      responses: { 201: json("The key and its developer_secret (shown once)", IssuedDeveloperKeySchema), ...errorResponses },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const { label, allowlist } = c.req.valid("json");
      await requireUser(c.env.DB, userId);
      return c.json(await issueDeveloperKey(c.env.DB, userId, { label, allowlist }), 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/users/{userId}/developer-keys",
      operationId: "listDeveloperKeys",
      summary: "List a user's developer keys",
      request: { params: UserParams },
      responses: { 200: json("The keys, revoked ones included", listOf(DeveloperKeySchema, "DeveloperKeyList")), ...errorResponses },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      await requireUser(c.env.DB, userId);
      return c.json({ items: await listDeveloperKeys(c.env.DB, userId) }, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "put",
      path: "/developer-keys/{keyId}/allowlist",
      operationId: "replaceDeveloperKeyAllowlist",
      summary: "Replace a developer key's IP allowlist",
      request: { params: KeyParams, body: jsonBody(z.object({ allowlist: Allowlist })) },
      responses: { 200: json("The key", DeveloperKeySchema), ...errorResponses },
    }),
    async (c) => {
      const { keyId } = c.req.valid("param");
      const { allowlist } = c.req.valid("json");
      return c.json(found(await setDeveloperKeyAllowlist(c.env.DB, keyId, allowlist), "Developer key"), 200);
    },
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/developer-keys/{keyId}/revoke",
      operationId: "revokeDeveloperKey",
      summary: "Revoke a developer key (idempotent)",
      request: { params: KeyParams },
      responses: { 200: json("The revoked key", DeveloperKeySchema), ...errorResponses },
    }),
    async (c) => c.json(found(await revokeDeveloperKey(c.env.DB, c.req.valid("param").keyId), "Developer key"), 200),
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/developer-keys/{keyId}/reissue",
      operationId: "reissueDeveloperKey",
      summary: "Revoke a developer key and issue its replacement (same user, label and allowlist)",
      description:
        "Atomic: the replacement is created and the key revoked together. Only an active key can be reissued: a revoked one answers 409 DEVELOPER_KEY_REVOKED (reissuing it would bring back access that was taken away; issue a new key, or reissue its replacement). Of two concurrent reissues of one key, one answers 409 CONFLICT.",
      request: { params: KeyParams },
      responses: {
        201: json("The replacement and its developer_secret (shown once)", IssuedDeveloperKeySchema),
        ...errorResponses,
        409: json("The key is revoked (DEVELOPER_KEY_REVOKED), or another reissue of it happened at the same time (CONFLICT)", ErrorSchema),
      },
    }),
    async (c) => {
      const { keyId } = c.req.valid("param");
      const old = found(await findDeveloperKey(c.env.DB, keyId), "Developer key");
      if (old.status === "revoked") {
        const [successor] = await listActiveSuccessorIds(c.env.DB, keyId);
        throw new ApiError(
          409,
          "DEVELOPER_KEY_REVOKED",
          `This developer key is revoked and cannot be reissued; ${successor ? `reissue its replacement ${successor}, or ` : ""}issue a new key for the user`,
        );
      }
      const secret = await mintSecret("developerSecret");
      const developerKey = await reissueDeveloperKey(c.env.DB, keyId, { secretHash: secret.hash, secretPrefix: secret.prefix });
      if (!developerKey) {
        if (!(await findDeveloperKey(c.env.DB, keyId))) throw new ApiError(404, "NOT_FOUND", "Developer key not found");
        throw new ApiError(409, "CONFLICT", "This developer key was reissued or revoked by another request at the same time; list the user's keys to see its replacement");
      }
      return c.json({ developerKey, secret: secret.secret }, 201);
    },
  );
