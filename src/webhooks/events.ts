import { randomBase62 } from "../auth/secrets";
import { insertDeliveriesStatement, listSubscribedEndpoints, takeUnsentDeliveries } from "../db/webhooks";
import { isoNow } from "../lib/time";

/**
 * The events an endpoint can subscribe to, and their emission: one delivery row per subscribed
 * endpoint (its id is the `webhook-id`) written in one D1 batch, then one queue message each for
 * the delivery consumer (delivery.ts). Emitting never fails the caller: the write or the scan batch
 * that caused the event has already committed, so a failure here is logged, not thrown.
 */
export const WEBHOOK_EVENTS = [
  "qr_code.created",
  "qr_code.updated",
  "qr_code.deleted",
  "qr_code.scanned",
  "qr_code.scan_limit_reached",
  "qr_code.destination_broken",
  "qr_code.destination_recovered",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** What the queue carries: the delivery's id alone (its payload, up to a batch of scans, stays in D1). */
export interface WebhookMessage {
  deliveryId: string;
}

export const newDeliveryId = (): string => `msg_${randomBase62(24)}`;

/** The body every endpoint receives, as the Standard Webhooks spec suggests: type, timestamp, data. */
export const webhookPayload = (type: WebhookEventType, data: unknown, timestamp: string): string => JSON.stringify({ type, timestamp, data });

/** Emits one event to the organization's subscribed, enabled endpoints. Returns how many deliveries were queued. */
export const emitWebhookEvent = (env: Env, orgId: string, type: WebhookEventType, data: unknown): Promise<number> => emitWebhookEvents(env, orgId, type, [data]);

/**
 * Emits several events of one type (a bulk write's codes): one delivery per event and subscribed
 * endpoint, one statement per event in one D1 batch, sent in queue batches of 100 (a Queues limit).
 */
export async function emitWebhookEvents(env: Env, orgId: string, type: WebhookEventType, data: readonly unknown[]): Promise<number> {
  if (data.length === 0) return 0;
  try {
    const endpoints = await listSubscribedEndpoints(env.DB, orgId, type);
    if (endpoints.length === 0) return 0;
    const now = isoNow();
    const events = data.map((item) => ({
      orgId,
      eventType: type,
      payload: webhookPayload(type, item, now),
      createdAt: now,
      targets: endpoints.map((endpoint) => ({ id: newDeliveryId(), endpointId: endpoint.id })),
    }));
    await env.DB.batch(events.map((event) => insertDeliveriesStatement(env.DB, event)));
    const deliveries = events.flatMap((event) => event.targets.map((target) => target.id));
    await queueDeliveries(env, deliveries);
    return deliveries.length;
  } catch (err) {
    console.error(JSON.stringify({ level: "error", event: "webhook_emit_failed", orgId, type, error: err instanceof Error ? err.message : String(err) }));
    return 0;
  }
}

/** Messages per sendBatch call (a Queues limit). */
const QUEUE_BATCH_LIMIT = 100;

/** One delivery message per id, a queue call's worth (100) at a time. */
async function queueDeliveries(env: Env, deliveryIds: string[]): Promise<void> {
  for (let start = 0; start < deliveryIds.length; start += QUEUE_BATCH_LIMIT)
    await env.WEBHOOKS.sendBatch(deliveryIds.slice(start, start + QUEUE_BATCH_LIMIT).map((deliveryId) => ({ body: { deliveryId } satisfies WebhookMessage })));
}

/** How long a delivery may wait for its first attempt before the cron takes its message for lost. */
export const UNSENT_AFTER_MS = 10 * 60_000;
/**
 * How long after a requeue a still unattempted delivery is queued again: longer than a message's
 * whole life in the queues (about 17 hours of retries), so copies of one delivery never pile up
 * when its messages exist but cannot get as far as an attempt (a missing sealing key, a D1 outage).
 */
export const REQUEUE_AGAIN_AFTER_MS = 24 * 3_600_000;

/**
 * The cron's sweep for deliveries whose message never reached the queue: emitWebhookEvents writes
 * the rows first and then queues them, so a failed send leaves rows no message will ever attempt.
 * Those still unattempted UNSENT_AFTER_MS later are queued again (then once a day while they stay
 * so), a queue call's worth (100) per run, oldest first; each is marked when it is, so the next
 * run moves on to others. A message that was only late is then queued twice; the consumer skips a
 * delivery already delivered, and receivers deduplicate on webhook-id, as Standard Webhooks asks.
 */
export async function requeueUnsentDeliveries(env: Env, now: Date): Promise<number> {
  const due = { createdBefore: isoNow(new Date(now.getTime() - UNSENT_AFTER_MS)), requeuedBefore: isoNow(new Date(now.getTime() - REQUEUE_AGAIN_AFTER_MS)) };
  const ids = await takeUnsentDeliveries(env.DB, due, isoNow(now), QUEUE_BATCH_LIMIT);
  await queueDeliveries(env, ids);
  return ids.length;
}
