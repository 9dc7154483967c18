import { z } from "@hono/zod-openapi";
import { mintSecret } from "../../auth/secrets";
import {
  deletePhoneCodeRoutes,
  findClientToken,
  findPairingInstance,
  hardDeletePairingInstance,
  insertPairingInstance,
  listConnections,
  listPairingInstances,
  markPairingInstanceDeleted,
  upsertClientToken,
} from "../../db/pairing";
import { instanceObject } from "../pairing/envelope";
import { newRouter } from "../router";
import { adminRoute, errorResponses, found, Id, json, jsonBody, listOf, Name, OrgParams, requireOrganization } from "./schemas";

/** Pairing instances (id + token) and the organization's Client-Token. */

const Timestamp = z.string().openapi({ example: "2026-11-21T08:30:00+00:00" });

export const PairingInstanceSchema = z
  .object({
    id: z.string().openapi({ example: "3C5A1F0E9B7D4E2A8C6F1B3D5E7A9C0B" }),
    orgId: z.string(),
    name: z.string(),
    tokenPrefix: z.string().openapi({ example: "zit_8kQw…" }),
    pauseAfter: z.number().int().openapi({ description: "Unscanned QR rotations before the instance pauses until restart" }),
    createdAt: Timestamp,
  })
  .openapi("PairingInstance");

export const IssuedPairingInstanceSchema = z
  .object({ instance: PairingInstanceSchema, secret: z.string().openapi({ description: "The instance token (zit_…), shown only in this response" }) })
  .openapi("IssuedPairingInstance");

export const ClientTokenSchema = z
  .object({ orgId: z.string(), tokenPrefix: z.string().openapi({ example: "zct_Lm2x…" }), createdAt: Timestamp })
  .openapi("PairingClientToken");

export const IssuedClientTokenSchema = z
  .object({ clientToken: ClientTokenSchema, secret: z.string().openapi({ description: "The Client-Token (zct_…), shown only in this response" }) })
  .openapi("IssuedPairingClientToken");

const ConnectionSchema = z
  .object({
    id: z.string(),
    instanceId: z.string(),
    deviceName: z.string(),
    method: z.enum(["qr", "phone"]),
    phone: z.string().nullable(),
    connectedAt: Timestamp,
    disconnectedAt: Timestamp.nullable(),
  })
  .openapi("PairingConnection");

export const DEFAULT_PAUSE_AFTER = 3;
const PauseAfter = z.number().int().min(1).max(100);
const InstanceParams = z.object({ instanceId: Id });

const requireInstance = async (db: D1Database, id: string) => found(await findPairingInstance(db, id), "Pairing instance");

export const instancesRouter = newRouter()
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/organizations/{orgId}/pairing/instances",
      summary: "Create a pairing instance (its token is shown once)",
      request: {
        params: OrgParams,
        body: jsonBody(z.object({ name: Name.default("Instance"), pauseAfter: PauseAfter.default(DEFAULT_PAUSE_AFTER) })),
      },
      responses: { 201: json("The instance and its token", IssuedPairingInstanceSchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      const token = await mintSecret("pairingInstanceToken");
      const { name, pauseAfter } = c.req.valid("json");
      const instance = await insertPairingInstance(c.env.DB, orgId, { name, pauseAfter, tokenHash: token.hash, tokenPrefix: token.prefix });
      return c.json({ instance, secret: token.secret }, 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/admin/organizations/{orgId}/pairing/instances",
      summary: "List an organization's pairing instances",
      request: { params: OrgParams },
      responses: { 200: json("The instances, oldest first", listOf(PairingInstanceSchema, "PairingInstanceList")), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json({ items: await listPairingInstances(c.env.DB, orgId) }, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/admin/pairing/instances/{instanceId}",
      summary: "Get a pairing instance and whether a device is linked",
      request: { params: InstanceParams },
      responses: {
        200: json(
          "The instance and its live state",
          z.object({
            instance: PairingInstanceSchema,
            connected: z.boolean(),
            deviceName: z.string().nullable(),
          }),
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const instance = await requireInstance(c.env.DB, c.req.valid("param").instanceId);
      const status = await instanceObject(c.env, instance.id).status();
      return c.json({ instance, connected: status.connected, deviceName: status.deviceName }, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/admin/pairing/instances/{instanceId}/connections",
      summary: "An instance's connection history (newest first, 100 at most)",
      request: { params: InstanceParams },
      responses: { 200: json("Connections", listOf(ConnectionSchema, "PairingConnectionList")), ...errorResponses },
    }),
    async (c) => {
      const instance = await requireInstance(c.env.DB, c.req.valid("param").instanceId);
      return c.json({ items: await listConnections(c.env.DB, instance.id) }, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "delete",
      path: "/admin/pairing/instances/{instanceId}",
      summary: "Delete a pairing instance",
      description: "Its calls answer 404 at once. Its live state is wiped now, or by the next cron run if that fails.",
      request: { params: InstanceParams },
      responses: { 204: { description: "Deleted" }, ...errorResponses },
    }),
    async (c) => {
      const instance = found(await markPairingInstanceDeleted(c.env.DB, c.req.valid("param").instanceId), "Pairing instance");
      try {
        await instanceObject(c.env, instance.id).purge();
        await deletePhoneCodeRoutes(c.env.DB, instance.id);
        await hardDeletePairingInstance(c.env.DB, instance.id);
      } catch (err) {
        // The row stays marked; the cron's purgeDeletedPairingInstances finishes the job.
        console.error(JSON.stringify({ level: "warn", what: "pairing instance purge deferred", instance: instance.id, error: String(err) }));
      }
      return c.body(null, 204);
    },
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/organizations/{orgId}/pairing/client-token",
      summary: "Create or rotate the organization's pairing Client-Token (shown once; the old one stops working)",
      request: { params: OrgParams },
      responses: { 201: json("The Client-Token", IssuedClientTokenSchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      const token = await mintSecret("pairingClientToken");
      const clientToken = await upsertClientToken(c.env.DB, orgId, token.hash, token.prefix);
      return c.json({ clientToken, secret: token.secret }, 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/admin/organizations/{orgId}/pairing/client-token",
      summary: "Show the organization's pairing Client-Token (prefix only)",
      request: { params: OrgParams },
      responses: { 200: json("The Client-Token", ClientTokenSchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json(found(await findClientToken(c.env.DB, orgId), "Client-Token"), 200);
    },
  );
