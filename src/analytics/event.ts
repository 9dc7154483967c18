import { isoNow } from "../lib/time";
import { sendCoalesced } from "./outbox";
import { edgeVisitorKey } from "./visitor";
import { agentFacts, botReason, type BotReason } from "./user-agent";

export { botReason, type BotReason };

/**
 * One scan of a short link or one view of a hosted page, as it is stored. `visitor` is the
 * consumer's salted hash of the edge's `visitorKey` (see visitor.ts).
 */
export interface VisitEvent {
  id: string;
  at: string;
  codeId: string;
  orgId: string;
  /** scan: of the image (/r); click: of the share link (/s); view: of a hosted page (/p). */
  kind: "scan" | "view" | "click";
  country: string | null;
  region: string | null;
  city: string | null;
  device: string;
  os: string | null;
  browser: string | null;
  referrerHost: string | null;
  bot: boolean;
  botReason: BotReason | null;
  visitor: string;
  outcome: "target" | "fallback" | "refused";
  /** The routing rule that chose the destination by its label ("default": the code has rules, none matched); null when none applied. */
  rule: string | null;
  /** The A/B variant that chose it, by its label; null when none did. */
  variant: string | null;
}

function referrerHost(request: Request): string | null {
  const referrer = request.headers.get("Referer");
  if (!referrer) return null;
  try {
    return new URL(referrer).hostname.toLowerCase() || null;
  } catch {
    return null;
  }
}

const cfText = (value: unknown, max: number): string | null => (typeof value === "string" && value !== "" ? value.slice(0, max) : null);

export const dayOf = (date: Date) => date.toISOString().slice(0, 10);

/**
 * What the edge enqueues: the event with the edge's keyed hash of the visitor in place of the
 * stored one. Built from the request alone, with no storage read: the raw address never leaves
 * this module.
 */
export type VisitMessage = Omit<VisitEvent, "visitor"> & { visitorKey: string };

export interface VisitInput {
  codeId: string;
  orgId: string;
  kind: VisitEvent["kind"];
  outcome?: VisitEvent["outcome"];
  rule?: string | null;
  variant?: string | null;
}

export async function buildVisitMessage(env: Env, request: Request, input: VisitInput, now = new Date()): Promise<VisitMessage> {
  const reason = botReason(request);
  const agent = request.headers.get("User-Agent") ?? "";
  const facts = agentFacts(agent);
  const cf = (request as { cf?: IncomingRequestCfProperties }).cf;
  const day = dayOf(now);
  return {
    id: crypto.randomUUID(),
    at: isoNow(now),
    codeId: input.codeId,
    orgId: input.orgId,
    kind: input.kind,
    country: cfText(cf?.country, 2),
    region: cfText(cf?.region, 100),
    city: cfText(cf?.city, 100),
    // A HEAD or a prefetch from a real browser still describes that browser; crawlers are "bot".
    device: facts.reason !== null ? "bot" : facts.device,
    os: facts.os,
    browser: facts.browser,
    referrerHost: referrerHost(request),
    bot: reason !== null,
    botReason: reason,
    // Only Cloudflare's own header names the client; anything else is what the client says.
    visitorKey: await edgeVisitorKey(env, day, request.headers.get("CF-Connecting-IP") ?? "", agent),
    outcome: input.outcome ?? "target",
    rule: input.rule ?? null,
    variant: input.variant ?? null,
  };
}

let droppedEvents = 0;
/** Events this isolate gave up on (could not enqueue, or could not store in time), each logged. /health reports it. */
export const droppedEventCount = () => droppedEvents;

/**
 * Logs an event that is given up on, whole but for the visitor hash: the edge's key is not salted
 * per day, so anyone holding the Worker's secret could test guessed addresses against it for as
 * long as logs are kept. The log line is the record of the event (it can be replayed without
 * its unique-visitor share).
 */
export function logDroppedVisit(visit: VisitMessage | VisitEvent | VisitInput, why: string): void {
  droppedEvents++;
  const { visitorKey: _key, visitor: _visitor, ...rest } = visit as Partial<VisitMessage & VisitEvent>;
  console.error(JSON.stringify({ level: "error", event: "visit_dropped", visit: rest, error: why }));
}

const SEND_ATTEMPTS = 3;
const utf8 = new TextEncoder();

/**
 * Builds the event and enqueues it after the response (ctx.waitUntil): the visitor never waits
 * for analytics, and nothing but the queue is needed (no D1 read or write before the send). The
 * event goes out in one batch with the isolate's other events of the same few milliseconds
 * (outbox.ts); if that batch fails, it is sent alone, retried, and one that still fails is logged
 * (logDroppedVisit) and counted, never silently lost.
 */
export function recordVisit(env: Env, ctx: { waitUntil(promise: Promise<unknown>): void }, request: Request, input: VisitInput): void {
  ctx.waitUntil(
    (async () => {
      // Yield first: an async function runs synchronously up to its first await, and the user
      // agent parsing below must not delay the response it is recorded for.
      await new Promise((resolve) => setTimeout(resolve, 0));
      let event: VisitMessage;
      try {
        event = await buildVisitMessage(env, request, input);
      } catch (err) {
        logDroppedVisit(input, err instanceof Error ? err.message : String(err));
        return;
      }
      // Most events go out in a batch with their neighbours (outbox.ts); one whose batch failed,
      // or whose sender did not finish, is sent alone with retries.
      try {
        if ((await sendCoalesced(env.SCANS, event, utf8.encode(JSON.stringify(event)).byteLength)) === "sent") return;
      } catch {
        // The batch failed: this event's own attempts follow.
      }
      for (let attempt = 1; attempt <= SEND_ATTEMPTS; attempt++) {
        try {
          await env.SCANS.send(event, { contentType: "v8" });
          return;
        } catch (err) {
          if (attempt === SEND_ATTEMPTS) {
            logDroppedVisit(event, err instanceof Error ? err.message : String(err));
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
        }
      }
    })(),
  );
}
