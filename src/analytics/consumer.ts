import { recordEventsStatements } from "../db/analytics";
import type { VisitEvent } from "./event";

const isVisitEvent = (body: unknown): body is VisitEvent => {
  const e = body as Partial<VisitEvent> | null;
  return (
    typeof e === "object" &&
    e !== null &&
    typeof e.id === "string" &&
    typeof e.codeId === "string" &&
    typeof e.orgId === "string" &&
    (e.kind === "scan" || e.kind === "view") &&
    typeof e.at === "string" &&
    /^\d{4}-\d\d-\d\dT/.test(e.at) &&
    typeof e.visitor === "string" &&
    typeof e.bot === "boolean" &&
    typeof e.device === "string"
  );
};

/**
 * The queue consumer: one D1 batch (one transaction) per message batch, holding the raw rows, the
 * codes' counters, the daily rollups, the breakdowns and the unique visitors. A failed write
 * retries the whole batch, which is safe because a redelivered event id is never counted twice.
 */
export async function consumeVisits(batch: MessageBatch<unknown>, env: Env): Promise<{ written: number; malformed: number }> {
  const events: VisitEvent[] = [];
  let malformed = 0;
  for (const message of batch.messages) {
    if (isVisitEvent(message.body)) events.push(message.body);
    else {
      // Not ours to retry: it can never be written. Logged for inspection, then acknowledged.
      malformed++;
      console.error(JSON.stringify({ level: "error", event: "visit_malformed", id: message.id, body: message.body }));
      message.ack();
    }
  }
  if (events.length === 0) return { written: 0, malformed };
  try {
    await env.DB.batch(recordEventsStatements(env.DB, events, crypto.randomUUID()));
  } catch (err) {
    console.error(JSON.stringify({ level: "error", event: "visit_batch_failed", size: events.length, error: err instanceof Error ? err.message : String(err) }));
    for (const message of batch.messages) if (isVisitEvent(message.body)) message.retry({ delaySeconds: 10 });
    return { written: 0, malformed };
  }
  for (const message of batch.messages) if (isVisitEvent(message.body)) message.ack();
  return { written: events.length, malformed };
}
