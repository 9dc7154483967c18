import { z } from "@hono/zod-openapi";
import { findClientToken, findPairingInstance, listConnections, listPairingInstances } from "../../db/pairing";
import { createInstance, DEFAULT_PAUSE_AFTER, deleteInstance, describeInstance, rotateClientToken } from "../../pairing/instances";
import { newRouter } from "../router";
import { adminRoute, errorResponses, found, Id, json, jsonBody, listOf, Name, OrgParams, PairingInstanceSchema, requireOrganization } from "./schemas";

/** Pairing instances (id + token) and the organization's Client-Token; src/pairing/instances.ts does the work. */

const Timestamp = z.string().openapi({ example: "2026-11-21T08:30:00+00:00" });

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

// The demo organization's instance (admin/demo.ts) is created with the same default.
const PauseAfter = z.number().int().min(1).max(100);
const InstanceParams = z.object({ instanceId: Id });

const requireInstance = async (db: D1Database, id: string) => found(await findPairingInstance(db, id), "Pairing instance");

export const instancesRouter = newRouter()
  .openapi(
    adminRoute({
      method: "post",
      path: "/organizations/{orgId}/pairing/instances",
      operationId: "createPairingInstance",
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
      return c.json(await createInstance(c.env, orgId, c.req.valid("json")), 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/organizations/{orgId}/pairing/instances",
      operationId: "listPairingInstances",
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
      path: "/pairing/instances/{instanceId}",
      operationId: "getPairingInstance",
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
      return c.json(found(await describeInstance(c.env, c.req.valid("param").instanceId), "Pairing instance"), 200);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/pairing/instances/{instanceId}/connections",
      operationId: "listPairingConnections",
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
      path: "/pairing/instances/{instanceId}",
      operationId: "deletePairingInstance",
      summary: "Delete a pairing instance",
      description: "Its calls answer 404 at once. Its live state is wiped now, or by the next cron run if that fails.",
      request: { params: InstanceParams },
      responses: { 204: { description: "Deleted" }, ...errorResponses },
    }),
    async (c) => {
      found(await deleteInstance(c.env, c.req.valid("param").instanceId), "Pairing instance");
      return c.body(null, 204);
    },
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/organizations/{orgId}/pairing/client-token",
      operationId: "rotatePairingClientToken",
      summary: "Create or rotate the organization's pairing Client-Token (shown once; the old one stops working)",
      request: { params: OrgParams },
      responses: { 201: json("The Client-Token", IssuedClientTokenSchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json(await rotateClientToken(c.env, orgId), 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/organizations/{orgId}/pairing/client-token",
      operationId: "getPairingClientToken",
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
