import { encryptSecret, keyringOf } from "../auth/access-keys";
import { randomBase62 } from "../auth/secrets";
import {
  deleteEndpoint,
  findEndpoint,
  findEndpointDelivery,
  insertEndpoint,
  listDeliveries,
  listEndpoints,
  markDeliveryPending,
  setEndpointStatus,
  updateEndpointSettings,
  type StoredEndpoint,
  type WebhookDelivery,
  type WebhookEndpoint,
} from "../db/webhooks";
import { InvalidInput } from "../lib/invalid-input";
import { forbiddenUrlReason } from "../lib/safe-fetch";
import { isoNow } from "../lib/time";
import type { WebhookEventType, WebhookMessage } from "./events";
import { newWebhookSecret, webhookSecretPrefix } from "./signing";

/**
 * An organization's webhook endpoints, as use cases that take plain values: create (the secret
 * returned this once, sealed at rest because every delivery signs with it), change, enable,
 * disable, delete, the delivery log, redelivery. Missing things (another organization's ids too)
 * come back as null; a URL the SSRF rules refuse is an InvalidInput on `url`.
 */

/** Endpoints per organization: each event costs one delivery per endpoint. */
export const MAX_ENDPOINTS_PER_ORG = 20;
/** Deliveries the log answers, newest first. */
export const DELIVERY_LOG_LIMIT = 50;

export class WebhooksUnavailable extends Error {
  constructor() {
    super("Webhooks need the ACCESS_KEY_ENCRYPTION_KEY secret (32+ random characters) to seal their signing secrets");
    this.name = "WebhooksUnavailable";
  }
}

export class TooManyEndpoints extends Error {
  constructor() {
    super(`An organization has at most ${MAX_ENDPOINTS_PER_ORG} webhook endpoints`);
    this.name = "TooManyEndpoints";
  }
}

export class EndpointDisabled extends Error {
  constructor() {
    super("The endpoint is disabled: enable it (POST /webhooks/{id}/enable) before redelivering");
    this.name = "EndpointDisabled";
  }
}

export interface EndpointSettings {
  url: string;
  description: string;
  events: WebhookEventType[];
}

const publicEndpoint = ({ secretSealed: _sealed, ...endpoint }: StoredEndpoint): WebhookEndpoint => endpoint;

function checkUrl(url: string): void {
  const reason = forbiddenUrlReason(url);
  if (reason) throw new InvalidInput([{ field: "url", message: `refused: ${reason}` }]);
}

export const newEndpointId = (): string => `whe_${randomBase62(20)}`;

export async function createEndpoint(env: Env, orgId: string, settings: EndpointSettings): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  checkUrl(settings.url);
  const ring = keyringOf(env);
  if (!ring) throw new WebhooksUnavailable();
  if ((await listEndpoints(env.DB, orgId)).length >= MAX_ENDPOINTS_PER_ORG) throw new TooManyEndpoints();
  const id = newEndpointId();
  const secret = newWebhookSecret();
  const now = isoNow();
  const stored: StoredEndpoint = {
    id,
    orgId,
    ...settings,
    secretSealed: await encryptSecret(await ring, id, secret),
    secretPrefix: webhookSecretPrefix(secret),
    status: "enabled",
    disabledReason: null,
    failureStreak: 0,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
  };
  await insertEndpoint(env.DB, stored);
  return { endpoint: publicEndpoint(stored), secret };
}

export async function listOrgEndpoints(db: D1Database, orgId: string): Promise<WebhookEndpoint[]> {
  return (await listEndpoints(db, orgId)).map(publicEndpoint);
}

export async function getEndpoint(db: D1Database, orgId: string, id: string): Promise<WebhookEndpoint | null> {
  const found = await findEndpoint(db, orgId, id);
  return found ? publicEndpoint(found) : null;
}

/** Changes the URL, events or description; what is not given stays. */
export async function changeEndpoint(db: D1Database, orgId: string, id: string, change: Partial<EndpointSettings>): Promise<WebhookEndpoint | null> {
  if (change.url !== undefined) checkUrl(change.url);
  const current = await findEndpoint(db, orgId, id);
  if (!current) return null;
  const next = { url: change.url ?? current.url, description: change.description ?? current.description, events: change.events ?? current.events };
  if (!(await updateEndpointSettings(db, orgId, id, next, isoNow()))) return null;
  return getEndpoint(db, orgId, id);
}

/** Enabling is the way back from automatic disabling: the failure streak starts again from zero. */
export async function setEndpointEnabled(db: D1Database, orgId: string, id: string, enabled: boolean): Promise<WebhookEndpoint | null> {
  const changed = await setEndpointStatus(db, orgId, id, enabled ? "enabled" : "disabled", enabled ? null : "disabled by request", isoNow());
  return changed ? getEndpoint(db, orgId, id) : null;
}

export const removeEndpoint = (db: D1Database, orgId: string, id: string): Promise<boolean> => deleteEndpoint(db, orgId, id);

export async function deliveryLog(db: D1Database, orgId: string, id: string) {
  if (!(await findEndpoint(db, orgId, id))) return null;
  return listDeliveries(db, orgId, id, DELIVERY_LOG_LIMIT);
}

/**
 * Queues a delivery again, with its original id (the `webhook-id` receivers deduplicate on) and
 * body, signed afresh with a new timestamp. Null when the endpoint or the delivery is not the organization's.
 */
export async function redeliver(env: Env, orgId: string, endpointId: string, deliveryId: string): Promise<WebhookDelivery | null> {
  const [endpoint, delivery] = await Promise.all([findEndpoint(env.DB, orgId, endpointId), findEndpointDelivery(env.DB, orgId, endpointId, deliveryId)]);
  if (!endpoint || !delivery) return null;
  if (endpoint.status !== "enabled") throw new EndpointDisabled();
  await markDeliveryPending(env.DB, delivery.id);
  await env.WEBHOOKS.send({ deliveryId: delivery.id } satisfies WebhookMessage);
  return { ...delivery, status: "pending" };
}
