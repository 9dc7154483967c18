import { recordEventsStatements } from "../db/analytics";
import type { VisitEvent, VisitMessage } from "./event";
import { storedVisitor } from "./visitor";

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
  (e.kind === "scan" || e.kind === "view") &&
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

/**
 * How long a failed batch waits before its next delivery: 10 s, doubling, at most 10 minutes. With
 * the queue's max_retries (wrangler.toml) a message rides out about 50 minutes of D1 outage here, then
 * about 17 hours more in the dead-letter queue's consumer (the same function), before anything is dropped.
 */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(600, 10 * 2 ** Math.max(0, attempts - 1));
}

/**
 * The queue consumer: one D1 batch (one transaction) per message batch, holding the raw rows, the
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
  try {
    const events = await Promise.all(messages.map((message) => toStoredEvent(env.DB, message.body)));
    await env.DB.batch(recordEventsStatements(env.DB, events, crypto.randomUUID()));
  } catch (err) {
    console.error(JSON.stringify({ level: "error", event: "visit_batch_failed", size: messages.length, error: err instanceof Error ? err.message : String(err) }));
    for (const message of messages) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    return { written: 0, malformed };
  }
  for (const message of messages) message.ack();
  return { written: messages.length, malformed };
}
