import { randomHex, toHex } from "../lib/hex";
import { agentFacts, botReason, type BotReason } from "./user-agent";

export { botReason, type BotReason };

/**
 * One scan of a short link or one view of a hosted page, as the redirect enqueues it. Built from
 * the request at the edge: the raw address never leaves this function, only a keyed hash of it.
 */
export interface VisitEvent {
  id: string;
  at: string;
  codeId: string;
  orgId: string;
  kind: "scan" | "view";
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

const salts = new Map<string, Promise<CryptoKey>>();

/**
 * The HMAC key of a day: a random salt stored in D1 the first time any isolate needs it, then
 * cached in memory. Salts older than two days are deleted by the cron, after which no visitor
 * hash can be tied to an address again (the approach Plausible made standard).
 */
async function dailyKey(db: D1Database, day: string): Promise<CryptoKey> {
  let key = salts.get(day);
  if (!key) {
    key = (async () => {
      const fresh = randomHex(32);
      const [, row] = await db.batch<{ salt: string }>([
        db.prepare("INSERT OR IGNORE INTO visitor_salts (day, salt) VALUES (?1, ?2)").bind(day, fresh),
        db.prepare("SELECT salt FROM visitor_salts WHERE day = ?1").bind(day),
      ]);
      const salt = row!.results[0]!.salt;
      return crypto.subtle.importKey("raw", new TextEncoder().encode(salt), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    })();
    key.catch(() => salts.delete(day));
    if (salts.size > 4) salts.delete(salts.keys().next().value!);
    salts.set(day, key);
  }
  return key;
}

async function visitorHash(db: D1Database, day: string, ip: string, agent: string): Promise<string> {
  const signature = await crypto.subtle.sign("HMAC", await dailyKey(db, day), new TextEncoder().encode(`${ip}\n${agent}`));
  return toHex(new Uint8Array(signature).subarray(0, 16));
}

export interface VisitInput {
  codeId: string;
  orgId: string;
  kind: "scan" | "view";
  outcome?: VisitEvent["outcome"];
}

export async function buildVisitEvent(env: Env, request: Request, input: VisitInput, now = new Date()): Promise<VisitEvent> {
  const reason = botReason(request);
  const agent = request.headers.get("User-Agent") ?? "";
  const facts = agentFacts(agent);
  const cf = (request as { cf?: IncomingRequestCfProperties }).cf;
  const day = dayOf(now);
  return {
    id: crypto.randomUUID(),
    at: now.toISOString().replace(/\.\d{3}Z$/, "+00:00"),
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
    visitor: await visitorHash(env.DB, day, request.headers.get("CF-Connecting-IP") ?? "", agent),
    outcome: input.outcome ?? "target",
  };
}

let droppedEvents = 0;
/** Events this isolate could not enqueue even after a retry (also logged in full). /health reports it. */
export const droppedEventCount = () => droppedEvents;

const SEND_ATTEMPTS = 3;

/**
 * Builds the event and enqueues it after the response (ctx.waitUntil): the visitor never waits
 * for analytics. A failed send is retried; one that still fails is logged whole and counted,
 * never silently lost.
 */
export function recordVisit(env: Env, ctx: { waitUntil(promise: Promise<unknown>): void }, request: Request, input: VisitInput): void {
  ctx.waitUntil(
    (async () => {
      // Yield first: an async function runs synchronously up to its first await, and the user
      // agent parsing below must not delay the response it is recorded for.
      await new Promise((resolve) => setTimeout(resolve, 0));
      let event: VisitEvent | undefined;
      for (let attempt = 1; attempt <= SEND_ATTEMPTS; attempt++) {
        try {
          event ??= await buildVisitEvent(env, request, input);
          await env.SCANS.send(event, { contentType: "json" });
          return;
        } catch (err) {
          if (attempt === SEND_ATTEMPTS) {
            droppedEvents++;
            console.error(JSON.stringify({ level: "error", event: "visit_dropped", visit: event ?? input, error: err instanceof Error ? err.message : String(err) }));
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
        }
      }
    })(),
  );
}
