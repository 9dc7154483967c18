import { decryptSecret, keyringOf } from "../auth/access-keys";
import { findDelivery, findEndpointById, markDeliveryFailed, recordAttempt, setEndpointStatus, type StoredEndpoint, type WebhookDelivery } from "../db/webhooks";
import { isoNow } from "../lib/time";
import { forbiddenUrlReason, type Fetcher } from "../lib/safe-fetch";
import type { WebhookMessage } from "./events";
import { signWebhook } from "./signing";

/**
 * The delivery consumer of the `edge-qr-webhooks` queue: each message is one delivery (one event
 * for one endpoint), POSTed signed to the endpoint's URL. A 2xx answer delivers it; anything else
 * (another status, a redirect, a timeout, a URL the SSRF rules refuse now) is an attempt logged
 * and retried with exponential backoff (RETRY_BASE_SECONDS doubling, at most 12 hours, through the
 * message's retry delay), MAX_RETRIES times (wrangler.toml), about 17 hours in all. After that
 * Queues moves the message to `edge-qr-webhooks-dead`, whose consumer marks the delivery failed.
 *
 * An endpoint is disabled automatically once DISABLE_AFTER_FAILURES attempts in a row have failed
 * and the first of them is DISABLE_AFTER_HOURS old: a receiver that is down for an afternoon keeps
 * its subscription, one that has refused everything for a day stops costing retries. Enabling it
 * again (POST /webhooks/{id}/enable) clears the streak.
 */

export const WEBHOOK_QUEUE = "edge-qr-webhooks";
export const WEBHOOK_DEAD_LETTER_QUEUE = "edge-qr-webhooks-dead";
export const RETRY_BASE_SECONDS = 60;
/** Queues' own ceiling on a retry's delay. */
const MAX_DELAY_SECONDS = 12 * 60 * 60;
export const DISABLE_AFTER_FAILURES = 5;
export const DISABLE_AFTER_HOURS = 24;
/** A receiver should answer fast and work after; a slow one is a failed attempt. */
const TIMEOUT_MS = 15_000;
/** Kept from an error answer for the log (the body is never stored). */
const MAX_ERROR_LENGTH = 200;

export function webhookRetryDelaySeconds(attempts: number): number {
  return Math.min(MAX_DELAY_SECONDS, RETRY_BASE_SECONDS * 2 ** Math.max(0, attempts - 1));
}

export interface DeliveryOptions {
  /** Injected in tests: the receiver, without a network. */
  fetcher?: Fetcher;
  /** Injected in tests: the clock the auto-disable rule reads. */
  now?: () => Date;
}

const isWebhookMessage = (body: unknown): body is WebhookMessage =>
  typeof body === "object" && body !== null && typeof (body as { deliveryId?: unknown }).deliveryId === "string";

type AttemptOutcome = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string };

async function post(endpoint: StoredEndpoint, delivery: WebhookDelivery, secret: string, now: Date, fetcher: Fetcher): Promise<AttemptOutcome> {
  // Checked again at each attempt: the rules may have grown since the URL was accepted.
  const refused = forbiddenUrlReason(endpoint.url);
  if (refused) return { ok: false, statusCode: null, error: `URL refused: ${refused}` };
  const headers = await signWebhook(secret, delivery.id, Math.floor(now.getTime() / 1000), delivery.payload);
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  try {
    const response = await fetcher(endpoint.url, {
      method: "POST",
      // A redirect is not followed: it could lead anywhere, and the receiver should name its final URL.
      redirect: "manual",
      signal,
      headers: { ...headers, "content-type": "application/json", "user-agent": "edge-qr-webhooks/1" },
      body: delivery.payload,
    });
    const ok = response.status >= 200 && response.status <= 299;
    const text = ok ? "" : await response.text().catch(() => "");
    await response.body?.cancel().catch(() => undefined);
    if (ok) return { ok: true, statusCode: response.status };
    return { ok: false, statusCode: response.status, error: `HTTP ${response.status}${text ? `: ${text.slice(0, MAX_ERROR_LENGTH)}` : ""}` };
  } catch (err) {
    if (signal.aborted) return { ok: false, statusCode: null, error: `no answer within ${TIMEOUT_MS} ms` };
    return { ok: false, statusCode: null, error: `network: ${err instanceof Error ? err.message : String(err)}`.slice(0, MAX_ERROR_LENGTH) };
  }
}

type Verdict = "ack" | "retry";

async function deliverOne(env: Env, deliveryId: string, options: DeliveryOptions): Promise<Verdict> {
  const delivery = await findDelivery(env.DB, deliveryId);
  // Deleted with its endpoint, or delivered already (a duplicate message): nothing left to do.
  if (!delivery || delivery.status === "delivered") return "ack";
  const endpoint = await findEndpointById(env.DB, delivery.endpointId);
  if (!endpoint) return "ack";
  if (endpoint.status !== "enabled") {
    await markDeliveryFailed(env.DB, delivery.id);
    return "ack";
  }
  const ring = keyringOf(env);
  if (!ring) throw new Error("ACCESS_KEY_ENCRYPTION_KEY is not configured: webhook secrets cannot be unsealed");
  const secret = await decryptSecret(await ring, endpoint.id, endpoint.secretSealed);
  const now = options.now?.() ?? new Date();
  const started = Date.now();
  const outcome = await post(endpoint, delivery, secret, now, options.fetcher ?? ((input, init) => fetch(input, init)));
  const latencyMs = Date.now() - started;
  const at = isoNow(now);
  const streak = await recordAttempt(
    env.DB,
    { deliveryId: delivery.id, endpointId: endpoint.id, at, statusCode: outcome.statusCode, latencyMs, ok: outcome.ok, error: outcome.ok ? null : outcome.error },
    outcome.ok ? "delivered" : "pending",
  );
  if (outcome.ok) return "ack";
  if (shouldDisable(streak, now)) {
    const reason = `${streak.failureStreak} attempts in a row failed since ${streak.failingSince}; the last: ${outcome.error}`;
    await setEndpointStatus(env.DB, endpoint.orgId, endpoint.id, "disabled", reason, isoNow());
    await markDeliveryFailed(env.DB, delivery.id);
    console.error(JSON.stringify({ level: "warn", event: "webhook_endpoint_disabled", endpointId: endpoint.id, reason }));
    return "ack";
  }
  return "retry";
}

export function shouldDisable(streak: { failureStreak: number; failingSince: string | null }, now: Date): boolean {
  if (streak.failureStreak < DISABLE_AFTER_FAILURES || streak.failingSince === null) return false;
  return now.getTime() - Date.parse(streak.failingSince) >= DISABLE_AFTER_HOURS * 3_600_000;
}

/**
 * The queue() handler for both webhook queues. Deliveries of a batch go out concurrently; each
 * message is acknowledged or retried on its own, so one slow receiver does not hold the others' outcome.
 */
export async function deliverWebhooks(batch: MessageBatch<unknown>, env: Env, options: DeliveryOptions = {}): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      if (!isWebhookMessage(message.body)) {
        console.error(JSON.stringify({ level: "error", event: "webhook_message_malformed", id: message.id }));
        return message.ack();
      }
      const { deliveryId } = message.body;
      if (batch.queue === WEBHOOK_DEAD_LETTER_QUEUE) {
        // Every retry failed: the delivery is failed for good (it can still be redelivered by hand).
        await markDeliveryFailed(env.DB, deliveryId).catch(() => undefined);
        console.error(JSON.stringify({ level: "warn", event: "webhook_delivery_failed", deliveryId }));
        return message.ack();
      }
      try {
        const verdict = await deliverOne(env, deliveryId, options);
        if (verdict === "ack") message.ack();
        else message.retry({ delaySeconds: webhookRetryDelaySeconds(message.attempts) });
      } catch (err) {
        console.error(JSON.stringify({ level: "error", event: "webhook_delivery_error", deliveryId, error: err instanceof Error ? err.message : String(err) }));
        message.retry({ delaySeconds: webhookRetryDelaySeconds(message.attempts) });
      }
    }),
  );
}
