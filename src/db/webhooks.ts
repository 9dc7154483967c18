/** Webhook endpoints, deliveries and attempts (migrations/0014_webhooks.sql): named SQL, row mappers. */

export type EndpointStatus = "enabled" | "disabled";
export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface WebhookEndpoint {
  id: string;
  orgId: string;
  url: string;
  description: string;
  events: string[];
  secretPrefix: string;
  status: EndpointStatus;
  disabledReason: string | null;
  failureStreak: number;
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The endpoint with its sealed secret: read only by the delivery, never answered. */
export interface StoredEndpoint extends WebhookEndpoint {
  secretSealed: string;
}

interface EndpointRow {
  id: string;
  org_id: string;
  url: string;
  description: string;
  events: string;
  secret_sealed: string;
  secret_prefix: string;
  status: EndpointStatus;
  disabled_reason: string | null;
  failure_streak: number;
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

const toEndpoint = (row: EndpointRow): StoredEndpoint => ({
  id: row.id,
  orgId: row.org_id,
  url: row.url,
  description: row.description,
  events: JSON.parse(row.events) as string[],
  secretSealed: row.secret_sealed,
  secretPrefix: row.secret_prefix,
  status: row.status,
  disabledReason: row.disabled_reason,
  failureStreak: row.failure_streak,
  failingSince: row.failing_since,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export async function insertEndpoint(db: D1Database, endpoint: StoredEndpoint): Promise<void> {
  await db
    .prepare(
      "INSERT INTO webhook_endpoints (id, org_id, url, description, events, secret_sealed, secret_prefix, status, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'enabled', ?8, ?8)",
    )
    .bind(endpoint.id, endpoint.orgId, endpoint.url, endpoint.description, JSON.stringify(endpoint.events), endpoint.secretSealed, endpoint.secretPrefix, endpoint.createdAt)
    .run();
}

export async function findEndpoint(db: D1Database, orgId: string, id: string): Promise<StoredEndpoint | null> {
  const row = await db.prepare("SELECT * FROM webhook_endpoints WHERE id = ?1 AND org_id = ?2").bind(id, orgId).first<EndpointRow>();
  return row ? toEndpoint(row) : null;
}

export async function findEndpointById(db: D1Database, id: string): Promise<StoredEndpoint | null> {
  const row = await db.prepare("SELECT * FROM webhook_endpoints WHERE id = ?1").bind(id).first<EndpointRow>();
  return row ? toEndpoint(row) : null;
}

export async function listEndpoints(db: D1Database, orgId: string): Promise<StoredEndpoint[]> {
  const { results } = await db.prepare("SELECT * FROM webhook_endpoints WHERE org_id = ?1 ORDER BY created_at, id").bind(orgId).all<EndpointRow>();
  return results.map(toEndpoint);
}

/** The organization's enabled endpoints subscribed to `eventType`: who an event goes to. */
export async function listSubscribedEndpoints(db: D1Database, orgId: string, eventType: string): Promise<StoredEndpoint[]> {
  const { results } = await db
    .prepare("SELECT * FROM webhook_endpoints WHERE org_id = ?1 AND status = 'enabled' AND EXISTS (SELECT 1 FROM json_each(events) WHERE value = ?2)")
    .bind(orgId, eventType)
    .all<EndpointRow>();
  return results.map(toEndpoint);
}

export async function updateEndpointSettings(db: D1Database, orgId: string, id: string, change: { url: string; description: string; events: string[] }, now: string): Promise<boolean> {
  const result = await db
    .prepare("UPDATE webhook_endpoints SET url = ?3, description = ?4, events = ?5, updated_at = ?6 WHERE id = ?1 AND org_id = ?2")
    .bind(id, orgId, change.url, change.description, JSON.stringify(change.events), now)
    .run();
  return result.meta.changes > 0;
}

/** Enabling clears the failure streak, so the endpoint gets a full allowance again. */
export async function setEndpointStatus(db: D1Database, orgId: string, id: string, status: EndpointStatus, reason: string | null, now: string): Promise<boolean> {
  const result = await db
    .prepare(
      "UPDATE webhook_endpoints SET status = ?3, disabled_reason = ?4, failure_streak = CASE WHEN ?3 = 'enabled' THEN 0 ELSE failure_streak END, failing_since = CASE WHEN ?3 = 'enabled' THEN NULL ELSE failing_since END, updated_at = ?5 WHERE id = ?1 AND org_id = ?2",
    )
    .bind(id, orgId, status, reason, now)
    .run();
  return result.meta.changes > 0;
}

/** Deletes the endpoint with its deliveries and attempts (one batch). */
export async function deleteEndpoint(db: D1Database, orgId: string, id: string): Promise<boolean> {
  const [, , deleted] = await db.batch([
    db.prepare("DELETE FROM webhook_attempts WHERE endpoint_id = ?1 AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = ?1 AND org_id = ?2)").bind(id, orgId),
    db.prepare("DELETE FROM webhook_deliveries WHERE endpoint_id = ?1 AND org_id = ?2").bind(id, orgId),
    db.prepare("DELETE FROM webhook_endpoints WHERE id = ?1 AND org_id = ?2").bind(id, orgId),
  ]);
  return deleted!.meta.changes > 0;
}

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  orgId: string;
  eventType: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: string;
  lastAttemptAt: string | null;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  org_id: string;
  event_type: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  created_at: string;
  last_attempt_at: string | null;
}

const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  id: row.id,
  endpointId: row.endpoint_id,
  orgId: row.org_id,
  eventType: row.event_type,
  payload: row.payload,
  status: row.status,
  attempts: row.attempts,
  createdAt: row.created_at,
  lastAttemptAt: row.last_attempt_at,
});

/**
 * One event's deliveries, one per endpoint, in one statement (the payload bound once, the
 * [deliveryId, endpointId] pairs as JSON): a bulk write's events cost one statement each, however
 * many endpoints listen.
 */
export const insertDeliveriesStatement = (
  db: D1Database,
  event: { orgId: string; eventType: string; payload: string; createdAt: string; targets: readonly { id: string; endpointId: string }[] },
): D1PreparedStatement =>
  db
    .prepare(
      "INSERT INTO webhook_deliveries (id, endpoint_id, org_id, event_type, payload, status, attempts, created_at) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?2, ?3, ?4, 'pending', 0, ?5 FROM json_each(?1)",
    )
    .bind(JSON.stringify(event.targets.map((t) => [t.id, t.endpointId])), event.orgId, event.eventType, event.payload, event.createdAt);

export async function findDelivery(db: D1Database, id: string): Promise<WebhookDelivery | null> {
  const row = await db.prepare("SELECT * FROM webhook_deliveries WHERE id = ?1").bind(id).first<DeliveryRow>();
  return row ? toDelivery(row) : null;
}

export async function findEndpointDelivery(db: D1Database, orgId: string, endpointId: string, id: string): Promise<WebhookDelivery | null> {
  const row = await db.prepare("SELECT * FROM webhook_deliveries WHERE id = ?1 AND endpoint_id = ?2 AND org_id = ?3").bind(id, endpointId, orgId).first<DeliveryRow>();
  return row ? toDelivery(row) : null;
}

export interface WebhookAttempt {
  deliveryId: string;
  attempt: number;
  at: string;
  statusCode: number | null;
  latencyMs: number;
  ok: boolean;
  error: string | null;
}

interface AttemptRow {
  delivery_id: string;
  attempt: number;
  at: string;
  status_code: number | null;
  latency_ms: number;
  ok: number;
  error: string | null;
}

/** The endpoint's newest deliveries (at most `limit`), each with its attempts in order. */
export async function listDeliveries(db: D1Database, orgId: string, endpointId: string, limit: number): Promise<(WebhookDelivery & { attemptLog: WebhookAttempt[] })[]> {
  const [deliveries, attempts] = await db.batch([
    db.prepare("SELECT * FROM webhook_deliveries WHERE endpoint_id = ?1 AND org_id = ?2 ORDER BY created_at DESC, id DESC LIMIT ?3").bind(endpointId, orgId, limit),
    db
      .prepare(
        "SELECT a.delivery_id, a.attempt, a.at, a.status_code, a.latency_ms, a.ok, a.error FROM webhook_attempts a WHERE a.delivery_id IN (SELECT id FROM webhook_deliveries WHERE endpoint_id = ?1 AND org_id = ?2 ORDER BY created_at DESC, id DESC LIMIT ?3) ORDER BY a.id",
      )
      .bind(endpointId, orgId, limit),
  ]);
  const byDelivery = new Map<string, WebhookAttempt[]>();
  for (const row of attempts!.results as unknown as AttemptRow[]) {
    const list = byDelivery.get(row.delivery_id) ?? [];
    list.push({ deliveryId: row.delivery_id, attempt: row.attempt, at: row.at, statusCode: row.status_code, latencyMs: row.latency_ms, ok: row.ok === 1, error: row.error });
    byDelivery.set(row.delivery_id, list);
  }
  return (deliveries!.results as unknown as DeliveryRow[]).map((row) => ({ ...toDelivery(row), attemptLog: byDelivery.get(row.id) ?? [] }));
}

/**
 * One attempt's outcome, in one batch (one transaction): the delivery's count and status, the
 * attempt row numbered from that count (so two attempts of one delivery that overlap, a redelivery
 * and a late message, get their own numbers), and the endpoint's failure streak (reset by a
 * success, grown by a failure; its start kept). A delivered delivery stays delivered whatever an
 * overlapping attempt found.
 */
export async function recordAttempt(db: D1Database, attempt: Omit<WebhookAttempt, "attempt"> & { endpointId: string }, deliveryStatus: DeliveryStatus): Promise<{ failureStreak: number; failingSince: string | null }> {
  const results = await db.batch([
    db
      .prepare("UPDATE webhook_deliveries SET status = CASE status WHEN 'delivered' THEN 'delivered' ELSE ?2 END, attempts = attempts + 1, last_attempt_at = ?3 WHERE id = ?1")
      .bind(attempt.deliveryId, deliveryStatus, attempt.at),
    db
      .prepare(
        "INSERT INTO webhook_attempts (delivery_id, endpoint_id, attempt, at, status_code, latency_ms, ok, error) SELECT ?1, ?2, attempts, ?3, ?4, ?5, ?6, ?7 FROM webhook_deliveries WHERE id = ?1",
      )
      .bind(attempt.deliveryId, attempt.endpointId, attempt.at, attempt.statusCode, attempt.latencyMs, attempt.ok ? 1 : 0, attempt.error),
    attempt.ok
      ? db.prepare("UPDATE webhook_endpoints SET failure_streak = 0, failing_since = NULL WHERE id = ?1 RETURNING failure_streak, failing_since").bind(attempt.endpointId)
      : db
          .prepare("UPDATE webhook_endpoints SET failure_streak = failure_streak + 1, failing_since = COALESCE(failing_since, ?2) WHERE id = ?1 RETURNING failure_streak, failing_since")
          .bind(attempt.endpointId, attempt.at),
  ]);
  const row = results[2]!.results[0] as { failure_streak: number; failing_since: string | null } | undefined;
  return { failureStreak: row?.failure_streak ?? 0, failingSince: row?.failing_since ?? null };
}

/** Sets a delivery back to pending before it is queued again (manual redelivery). */
export async function markDeliveryPending(db: D1Database, id: string): Promise<void> {
  await db.prepare("UPDATE webhook_deliveries SET status = 'pending' WHERE id = ?1").bind(id).run();
}

/**
 * Takes up to `limit` deliveries never attempted, oldest first, that are due to be queued again:
 * made before `createdBefore` and never requeued, or last requeued before `requeuedBefore`; marks
 * them requeued now and returns their ids (the webhook_deliveries_unsent index).
 */
export async function takeUnsentDeliveries(db: D1Database, due: { createdBefore: string; requeuedBefore: string }, now: string, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      `UPDATE webhook_deliveries SET requeued_at = ?3 WHERE id IN (
         SELECT id FROM webhook_deliveries
         WHERE status = 'pending' AND attempts = 0 AND ((requeued_at IS NULL AND created_at < ?1) OR requeued_at < ?2)
         ORDER BY created_at LIMIT ?4)
       RETURNING id`,
    )
    .bind(due.createdBefore, due.requeuedBefore, now, limit)
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

/** Failed for good, unless another attempt (an overlapping copy of its message) delivered it. */
export async function markDeliveryFailed(db: D1Database, id: string): Promise<void> {
  await db.prepare("UPDATE webhook_deliveries SET status = 'failed' WHERE id = ?1 AND status <> 'delivered'").bind(id).run();
}
