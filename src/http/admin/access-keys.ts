import { z } from "@hono/zod-openapi";
import { DEFAULT_ACCESS_KEY_ACTIONS } from "../../auth/actions";
import { ciphertextKeyId, decryptSecret, EncryptionKeyError, encryptSecret, mintAccessKey } from "../../auth/access-keys";
import { deleteAccessKey, insertAccessKey, listAccessKeys, listSealedSecrets, resealSecretStatement, setAccessKeyStatus } from "../../db/access-keys";
import { ApiError } from "../errors";
import { newRouter } from "../router";
import {
  AccessKeySchema,
  Actions,
  ACTIONS_DESCRIPTION,
  adminRoute,
  errorResponses,
  found,
  Id,
  json,
  jsonBody,
  listOf,
  Name,
  OrgParams,
  requireKeyring,
  requireOrganization,
} from "./schemas";

/** AccessKey pairs for the Alibaba Cloud signature V3 API (CreatePhoneMessageQrdl and its siblings). */

const IssuedAccessKeySchema = z
  .object({
    accessKey: AccessKeySchema,
    accessKeyId: z.string(),
    accessKeySecret: z.string().openapi({ description: "The AccessKey secret, shown only in this response" }),
  })
  .openapi("IssuedAccessKey");

const AccessKeyParams = z.object({ accessKeyId: Id });

/** The routes that seal or open secrets also answer 503 when the keyring is missing or unusable. */
const keyringErrorResponses = {
  ...errorResponses,
  503: {
    ...errorResponses[503],
    description:
      "ACCESS_KEYS_DISABLED: ACCESS_KEY_ENCRYPTION_KEY is not configured or unusable; ADMIN_DISABLED: ADMIN_TOKEN unset; SERVICE_UNAVAILABLE: D1 could not answer (with Retry-After)",
  },
};

export const accessKeysRouter = newRouter()
  .openapi(
    adminRoute({
      method: "post",
      path: "/organizations/{orgId}/access-keys",
      operationId: "issueAccessKey",
      summary: "Issue an AccessKey pair (signature V3) for an organization",
      request: {
        params: OrgParams,
        body: jsonBody(
          z.object({
            name: Name,
            actions: Actions.optional().openapi({
              description: `Actions the key is granted. Omitted: every message QR code action (${DEFAULT_ACCESS_KEY_ACTIONS.join(", ")}), the only API an AccessKey signs for. An empty list grants nothing. The catalog: ${ACTIONS_DESCRIPTION}.`,
            }),
          }),
        ),
      },
      responses: {
        201: json("The key, its ID and its secret (shown once)", IssuedAccessKeySchema),
        ...keyringErrorResponses,
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      const { name, actions } = c.req.valid("json");
      const minted = await mintAccessKey(await requireKeyring(c.env), { name, actions: actions ?? DEFAULT_ACCESS_KEY_ACTIONS });
      const accessKey = await insertAccessKey(c.env.DB, orgId, minted.row);
      return c.json({ accessKey, accessKeyId: minted.id, accessKeySecret: minted.secret }, 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/organizations/{orgId}/access-keys",
      operationId: "listAccessKeys",
      summary: "List an organization's AccessKey pairs (never their secrets)",
      request: { params: OrgParams },
      responses: { 200: json("The keys, disabled ones included", listOf(AccessKeySchema, "AccessKeyList")), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json({ items: await listAccessKeys(c.env.DB, orgId) }, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/access-keys/{accessKeyId}/disable",
      operationId: "disableAccessKey",
      summary: "Disable an AccessKey pair (idempotent; signed calls answer InvalidAccessKeyId.Inactive)",
      request: { params: AccessKeyParams },
      responses: { 200: json("The key", AccessKeySchema), ...errorResponses },
    }),
    async (c) => c.json(found(await setAccessKeyStatus(c.env.DB, c.req.valid("param").accessKeyId, "disabled"), "AccessKey"), 200),
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/access-keys/{accessKeyId}/enable",
      operationId: "enableAccessKey",
      summary: "Enable a disabled AccessKey pair again",
      request: { params: AccessKeyParams },
      responses: { 200: json("The key", AccessKeySchema), ...errorResponses },
    }),
    async (c) => c.json(found(await setAccessKeyStatus(c.env.DB, c.req.valid("param").accessKeyId, "active"), "AccessKey"), 200),
  )
  .openapi(
    adminRoute({
      method: "delete",
      path: "/access-keys/{accessKeyId}",
      operationId: "deleteAccessKey",
      summary: "Delete an AccessKey pair for good",
      request: { params: AccessKeyParams },
      responses: { 204: { description: "Deleted" }, ...errorResponses },
    }),
    async (c) => {
      if (!(await deleteAccessKey(c.env.DB, c.req.valid("param").accessKeyId))) throw new ApiError(404, "NOT_FOUND", "AccessKey not found");
      return c.body(null, 204);
    },
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/access-keys/re-encrypt",
      operationId: "reEncryptAccessKeys",
      summary: "Re-encrypt every AccessKey secret under the current ACCESS_KEY_ENCRYPTION_KEY (rotation)",
      description:
        "During a rotation the old key is ACCESS_KEY_ENCRYPTION_KEY_PREVIOUS and the new one ACCESS_KEY_ENCRYPTION_KEY: secrets sealed with either verify. This re-seals every secret not yet under the current key; once `remaining` is 0 the previous key can be removed. Idempotent.",
      responses: {
        200: json("How many secrets were re-sealed and how many still cannot be read", z.object({ keyId: z.string(), resealed: z.number().int(), alreadyCurrent: z.number().int(), remaining: z.number().int() }).openapi("ReEncryption")),
        ...keyringErrorResponses,
      },
    }),
    async (c) => {
      const ring = await requireKeyring(c.env);
      const db = c.env.DB;
      const statements: D1PreparedStatement[] = [];
      let alreadyCurrent = 0;
      let remaining = 0;
      for (const { id, secretCiphertext } of await listSealedSecrets(db)) {
        if (ciphertextKeyId(secretCiphertext) === ring.current.id) {
          alreadyCurrent++;
          continue;
        }
        try {
          const secret = await decryptSecret(ring, id, secretCiphertext);
          statements.push(resealSecretStatement(db, id, secretCiphertext, await encryptSecret(ring, id, secret)));
        } catch (err) {
          if (!(err instanceof EncryptionKeyError)) throw err;
          remaining++;
        }
      }
      let resealed = 0;
      for (let i = 0; i < statements.length; i += 50) {
        const results = await db.batch(statements.slice(i, i + 50));
        resealed += results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0);
      }
      return c.json({ keyId: ring.current.id, resealed, alreadyCurrent, remaining }, 200);
    },
  );
