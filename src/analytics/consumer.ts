import { recordEventsStatements } from "../db/analytics";
import { logDroppedVisit, type VisitEvent, type VisitMessage } from "./event";
import { storedVisitor } from "./visitor";
import { emitScans } from "../webhooks/code-events";
import { archiveStartedStatement } from "../db/archive";
import { isoNow } from "../lib/time";
import { archiveEvents } from "./archive";

/** /health's queue check: a message the consumer acknowledges and otherwise ignores. */
export const HEALTH_PROBE = { probe: "health" } as const;
const isHealthProbe = (body: unknown) => typeof body === "object" && body !== null && (body as { probe?: unknown }).probe === HEALTH_PROBE.probe;

/** The fields every message must have, whichever version of the Worker sent it. */
const hasEventFields = (e: Partial<VisitEvent> | null): boolean =>
  typeof e === "object" &&
  e !== null &&
  typeof e.id === "string" &&
  typeof e.codeId === "string" &&
  typeof e.orgId === "string" &&
  (e.kind === "scan" || e.kind === "view" || e.kind === "click") &&
  typeof e.at === "string" &&
  /^\d{4}-\d\d-\d\dT/.test(e.at) &&
  typeof e.bot === "boolean" &&
  typeof e.device === "string";

/** A message of the current edge (visitorKey) or of a Worker from before it (visitor already final). */
const isVisitMessage = (body: unknown): body is VisitMessage | VisitEvent => {
  if (!hasEventFields(body as Partial<VisitEvent> | null)) return false;
  const e = body as Partial<VisitMessage & VisitEvent>;
  return typeof e.visitorKey === "string" || typeof e.visitor === "string";
};

/** The stored event: the edge's visitor key salted with its day's salt (read from D1, or memory). */
async function toStoredEvent(db: D1Database, message: VisitMessage | VisitEvent): Promise<VisitEvent> {
  if (!("visitorKey" in message)) return message;
  const { visitorKey, ...rest } = message;
  return { ...rest, visitor: await storedVisitor(db, message.at.slice(0, 10), visitorKey) };
}

/** The dead-letter queue and its max_retries (wrangler.toml): after its last try nothing is left to retry. */
export const DEAD_LETTER_QUEUE = "edge-qr-scans-dead";
export const DEAD_LETTER_MAX_RETRIES = 100;

/**
 * How long a failed batch waits before its next delivery: 10 s, doubling, at most 10 minutes. With
 * the queue's max_retries (wrangler.toml) a message rides out about 50 minutes of D1 outage here, then
 * about 17 hours more in the dead-letter queue's consumer (the same function), before anything is dropped.
 */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(600, 10 * 2 ** Math.max(0, attempts - 1));
}

/**
 * The queue consumer: the batch's events to the raw-scan archive in R2 (archive.ts), then one D1
 * batch (one transaction) per message batch, holding the raw rows, the
 * codes' counters, the daily rollups, the breakdowns and the unique visitors. A failed write (or
 * a salt D1 could not give) retries the whole batch with a growing delay, which is safe because a
 * redelivered event id is never counted twice.
 */
export async function consumeVisits(batch: MessageBatch<unknown>, env: Env): Promise<{ written: number; malformed: number }> {
  const messages: Message<VisitMessage | VisitEvent>[] = [];
  let malformed = 0;
  for (const message of batch.messages) {
    if (isVisitMessage(message.body)) messages.push(message as Message<VisitMessage | VisitEvent>);
    else if (isHealthProbe(message.body)) message.ack();
    else {
      // Not ours to retry: it can never be written. Logged for inspection, then acknowledged.
      malformed++;
      console.error(JSON.stringify({ level: "error", event: "visit_malformed", id: message.id, body: message.body }));
      message.ack();
    }
  }
  if (messages.length === 0) return { written: 0, malformed };
  let events: VisitEvent[];
  try {
    events = await Promise.all(messages.map((message) => toStoredEvent(env.DB, message.body)));
    // The archive first, then D1: a raw row D1 holds is then always archived, so the retention
    // cron may drop it past the raw window without asking R2. A failed put retries the batch
    // before D1 is touched; a failed D1 write after the puts retries it too, and the retry
    // overwrites the same objects (named by their events' ids) and stores each event once.
    await archiveEvents(env.ARCHIVE, events);
    await env.DB.batch([...recordEventsStatements(env.DB, events, crypto.randomUUID()), archiveStartedStatement(env.DB, isoNow())]);
  } catch (err) {
    console.error(JSON.stringify({ level: "error", event: "visit_batch_failed", size: messages.length, error: err instanceof Error ? err.message : String(err) }));
    for (const message of messages) {
      // The dead-letter queue's last try (judged from attempts, one early rather than one late):
      // Queues would delete the message without a word, so it is logged (the log line is its
      // record) and counted in /health, then acknowledged.
      if (batch.queue === DEAD_LETTER_QUEUE && message.attempts >= DEAD_LETTER_MAX_RETRIES) {
        logDroppedVisit(message.body, `not stored after ${DEAD_LETTER_MAX_RETRIES} retries in ${DEAD_LETTER_QUEUE}: ${err instanceof Error ? err.message : String(err)}`);
        message.ack();
      } else message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
    return { written: 0, malformed };
  }
  // After the batch is written: one qr_code.scanned delivery per endpoint for the whole batch, each
  // scan once (the edge may have sent an event twice: outbox.ts). A redelivered batch sends its
  // scans again (receivers deduplicate on each scan's id).
  await emitScans(env, [...new Map(events.map((event) => [event.id, event])).values()]);
  for (const message of messages) message.ack();
  return { written: messages.length, malformed };
}
