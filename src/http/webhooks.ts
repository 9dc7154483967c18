import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { WebhookDelivery, WebhookEndpoint } from "../db/webhooks";
import type { AppEnv } from "../env";
import { WEBHOOK_EVENTS } from "../webhooks/events";
import { DISABLE_AFTER_FAILURES, DISABLE_AFTER_HOURS } from "../webhooks/delivery";
import {
  changeEndpoint,
  createEndpoint,
  deliveryLog,
  EndpointDisabled,
  getEndpoint,
  listOrgEndpoints,
  MAX_ENDPOINTS_PER_ORG,
  DELIVERY_LOG_LIMIT,
  redeliver,
  removeEndpoint,
  setEndpointEnabled,
  TooManyEndpoints,
  WebhooksUnavailable,
} from "../webhooks/endpoints";
import { bearerKeyAuth, requirePermission } from "./bearer";
import { ApiError, limitBody } from "./errors";
import { problemEnvelope, problemResponse } from "./problem";
import { commonErrors } from "./qr-codes/openapi";
import { newRouter } from "./router";

/**
 * `/webhooks`: an organization's signed webhook endpoints (src/webhooks/ does the work). A bearer
 * key with `webhooks:ManageWebhooks` (and the read-write role to change anything), or the console
 * session of an owner or editor; answers in problem+json like the QR code resource.
 */

const MAX_BODY_BYTES = 16 * 1024;
const ACTION = "webhooks:ManageWebhooks";

export const webhooksRouter = newRouter();
webhooksRouter.use("*", async (c, next) => {
  c.set("envelope", problemEnvelope);
  // The creation answer holds the signing secret; every answer is one organization's view.
  c.header("Cache-Control", "no-store");
  await next();
});
webhooksRouter.use("*", bearerKeyAuth(), limitBody(MAX_BODY_BYTES));

const tags = ["Webhooks"];
const security: Record<string, string[]>[] = [{ bearerKey: [] }, { consoleSession: [] }];
const read = requirePermission(ACTION, "read");
const write = requirePermission(ACTION, "write");
const json = <T extends z.ZodType>(description: string, schema: T) => ({ description, content: { "application/json": { schema } } });
const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const errors = {
  400: problemResponse("Invalid request; `violations` names each field (a URL the SSRF rules refuse is one, on `url`)"),
  404: problemResponse("The organization has no such endpoint or delivery"),
  413: problemResponse(`Request body larger than ${MAX_BODY_BYTES / 1024} KiB`),
  ...commonErrors,
};

const EventType = z.enum(WEBHOOK_EVENTS).openapi({ description: "qr_code.created / updated / deleted (the code's write committed), qr_code.scanned (one delivery per consumer batch, listing its scans), qr_code.scan_limit_reached (the scan that took a code's last allowed scan), qr_code.destination_broken and qr_code.destination_recovered (the cron's destination checks found a code's destination broken, or working again; data: the code's id, name, shortToken and health)" });
const Url = z.string().max(2048).openapi({ description: "https on the default port, a public DNS name (the SSRF rules of logo import, checked again at every delivery)", example: "https://hooks.example.com/edge-qr" });
const Events = z.array(EventType).min(1).max(WEBHOOK_EVENTS.length * 2).openapi({ description: "The events sent to this endpoint (duplicates count once)" });
const Description = z.string().max(200);
const IdParams = z.object({ id: z.string().min(1).max(64) });
const DeliveryParams = z.object({ id: z.string().min(1).max(64), deliveryId: z.string().min(1).max(64) });

const EndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    events: z.array(EventType),
    secretPrefix: z.string().openapi({ description: "The start of the signing secret, to recognise it" }),
    status: z.enum(["enabled", "disabled"]),
    disabledReason: z.string().nullable(),
    failureStreak: z.number().int().openapi({ description: `Failed attempts since the last success; at ${DISABLE_AFTER_FAILURES} or more, with the first ${DISABLE_AFTER_HOURS} hours old, the endpoint is disabled` }),
    failingSince: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("WebhookEndpoint");
const CreatedEndpointSchema = EndpointSchema.extend({
  secret: z.string().openapi({ description: "The signing secret (whsec_…, Standard Webhooks): shown this once" }),
}).openapi("CreatedWebhookEndpoint");
const AttemptSchema = z.object({
  attempt: z.number().int(),
  at: z.string(),
  statusCode: z.number().int().nullable().openapi({ description: "null when no HTTP answer came (refused URL, timeout, network)" }),
  latencyMs: z.number().int(),
  ok: z.boolean(),
  error: z.string().nullable(),
});
const DeliverySchema = z
  .object({
    id: z.string().openapi({ description: "The webhook-id header: the same on every attempt and redelivery" }),
    eventType: EventType,
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int(),
    createdAt: z.string(),
    lastAttemptAt: z.string().nullable(),
    payload: z.string().openapi({ description: "The exact body sent" }),
    attemptLog: z.array(AttemptSchema),
  })
  .openapi("WebhookDelivery");

const endpointOut = (endpoint: WebhookEndpoint) => {
  const { orgId: _org, ...rest } = endpoint;
  return { ...rest, events: rest.events as (typeof WEBHOOK_EVENTS)[number][] };
};
const deliveryOut = (delivery: WebhookDelivery & { attemptLog?: { attempt: number; at: string; statusCode: number | null; latencyMs: number; ok: boolean; error: string | null }[] }) => ({
  id: delivery.id,
  eventType: delivery.eventType as (typeof WEBHOOK_EVENTS)[number],
  status: delivery.status,
  attempts: delivery.attempts,
  createdAt: delivery.createdAt,
  lastAttemptAt: delivery.lastAttemptAt,
  payload: delivery.payload,
  attemptLog: (delivery.attemptLog ?? []).map(({ attempt, at, statusCode, latencyMs, ok, error }) => ({ attempt, at, statusCode, latencyMs, ok, error })),
});

const orgOf = (c: Context<AppEnv>): string => c.get("apiKey").orgId;
const notFound = (what: string) => new ApiError(404, "NOT_FOUND", `${what} not found`);
const unique = <T>(items: T[]): T[] => [...new Set(items)];

/** The application layer's errors as this family answers them. */
async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof WebhooksUnavailable) throw new ApiError(503, "WEBHOOKS_DISABLED", err.message);
    if (err instanceof TooManyEndpoints || err instanceof EndpointDisabled) throw new ApiError(409, "CONFLICT", err.message);
    throw err;
  }
}

webhooksRouter
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      operationId: "createWebhookEndpoint",
      tags,
      security,
      summary: "Create a webhook endpoint; its signing secret is shown once",
      description: `At most ${MAX_ENDPOINTS_PER_ORG} per organization (409 beyond). Deliveries are signed as Standard Webhooks says: webhook-id, webhook-timestamp, webhook-signature (v1, HMAC-SHA256 over id.timestamp.body with the secret's key bytes).`,
      middleware: write,
      request: { body: jsonBody(z.object({ url: Url, events: Events, description: Description.optional() })) },
      responses: { 201: json("The endpoint and its secret (shown once)", CreatedEndpointSchema), 409: problemResponse("The organization has as many endpoints as it may"), ...errors },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const created = await mapped(() => createEndpoint(c.env, orgOf(c), { url: body.url, events: unique(body.events), description: body.description ?? "" }));
      return c.json({ ...endpointOut(created.endpoint), secret: created.secret }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      operationId: "listWebhookEndpoints",
      tags,
      security,
      summary: "List the organization's webhook endpoints (never their secrets)",
      middleware: read,
      responses: { 200: json("The endpoints, oldest first", z.object({ items: z.array(EndpointSchema) }).openapi("WebhookEndpointList")), ...errors },
    }),
    async (c) => c.json({ items: (await listOrgEndpoints(c.env.DB, orgOf(c))).map(endpointOut) }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      operationId: "getWebhookEndpoint",
      tags,
      security,
      summary: "A webhook endpoint",
      middleware: read,
      request: { params: IdParams },
      responses: { 200: json("The endpoint", EndpointSchema), ...errors },
    }),
    async (c) => {
      const endpoint = await getEndpoint(c.env.DB, orgOf(c), c.req.valid("param").id);
      if (!endpoint) throw notFound("Webhook endpoint");
      return c.json(endpointOut(endpoint), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      operationId: "updateWebhookEndpoint",
      tags,
      security,
      summary: "Change a webhook endpoint's URL, events or description (what is omitted stays)",
      middleware: write,
      request: { params: IdParams, body: jsonBody(z.object({ url: Url.optional(), events: Events.optional(), description: Description.optional() })) },
      responses: { 200: json("The endpoint", EndpointSchema), ...errors },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const endpoint = await changeEndpoint(c.env.DB, orgOf(c), c.req.valid("param").id, { ...body, events: body.events && unique(body.events) });
      if (!endpoint) throw notFound("Webhook endpoint");
      return c.json(endpointOut(endpoint), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      operationId: "deleteWebhookEndpoint",
      tags,
      security,
      summary: "Delete a webhook endpoint with its delivery log",
      middleware: write,
      request: { params: IdParams },
      responses: { 204: { description: "Deleted" }, ...errors },
    }),
    async (c) => {
      if (!(await removeEndpoint(c.env.DB, orgOf(c), c.req.valid("param").id))) throw notFound("Webhook endpoint");
      return c.body(null, 204);
    },
  );

for (const enabled of [true, false]) {
  webhooksRouter.openapi(
    createRoute({
      method: "post",
      path: `/{id}/${enabled ? "enable" : "disable"}`,
      operationId: enabled ? "enableWebhookEndpoint" : "disableWebhookEndpoint",
      tags,
      security,
      summary: enabled
        ? "Enable a webhook endpoint (the way back after automatic disabling: its failure streak starts again from zero)"
        : "Disable a webhook endpoint: no event is sent to it until it is enabled",
      middleware: write,
      request: { params: IdParams },
      responses: { 200: json("The endpoint", EndpointSchema), ...errors },
    }),
    async (c) => {
      const endpoint = await setEndpointEnabled(c.env.DB, orgOf(c), c.req.valid("param").id, enabled);
      if (!endpoint) throw notFound("Webhook endpoint");
      return c.json(endpointOut(endpoint), 200);
    },
  );
}

webhooksRouter
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/deliveries",
      operationId: "listWebhookDeliveries",
      tags,
      security,
      summary: `The endpoint's delivery log: its ${DELIVERY_LOG_LIMIT} newest deliveries, each with every attempt (status, latency, error)`,
      middleware: read,
      request: { params: IdParams },
      responses: { 200: json("The deliveries, newest first", z.object({ items: z.array(DeliverySchema) }).openapi("WebhookDeliveryList")), ...errors },
    }),
    async (c) => {
      const log = await deliveryLog(c.env.DB, orgOf(c), c.req.valid("param").id);
      if (!log) throw notFound("Webhook endpoint");
      return c.json({ items: log.map(deliveryOut) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/deliveries/{deliveryId}/redeliver",
      operationId: "redeliverWebhook",
      tags,
      security,
      summary: "Send a delivery again: the same webhook-id and body, signed with a new timestamp",
      middleware: write,
      request: { params: DeliveryParams },
      responses: { 202: json("Queued again", DeliverySchema), 409: problemResponse("The endpoint is disabled: enable it first"), ...errors },
    }),
    async (c) => {
      const { id, deliveryId } = c.req.valid("param");
      const delivery = await mapped(() => redeliver(c.env, orgOf(c), id, deliveryId));
      if (!delivery) throw notFound("Webhook delivery");
      return c.json(deliveryOut(delivery), 202);
    },
  );
