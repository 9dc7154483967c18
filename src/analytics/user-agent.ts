import { isbot } from "isbot";
import UAParser from "ua-parser-js";

/**
 * What a user agent says about who sent a request: a person's browser, a preview fetcher, a
 * crawler. Pure (no bindings), so it is tested in Node with isbot and the parser spied on.
 */

export type BotReason = "head" | "prefetch" | "preview" | "isbot";

/**
 * Link-preview fetchers: chat apps and social sites open a link the moment it is pasted, which is
 * not a person scanning. Several of them are not in isbot's list (WhatsApp, iMessage's Facebot
 * disguise), and preview inflation is the analytics bug users of Dub, Shlink, YOURLS and Kutt
 * report most.
 */
export const PREVIEW_AGENTS = /WhatsApp|Slackbot|Slack-ImgProxy|facebookexternalhit|Facebot|meta-externalagent|TelegramBot|Discordbot|Twitterbot|LinkedInBot|SkypeUriPreview|Viber|Line\/|KAKAOTALK-scrap|Iframely|Embedly|redditbot|Pinterestbot|Applebot|Google-PageRenderer/i;

/**
 * Bing's preview fetcher: "bingbot/" and, somewhere after it, "preview". Two searches instead of
 * the regex `bingbot\/.*preview`, which retried `.*` from every "bingbot/" in the agent and cost
 * time quadratic in its length (132 ms for a 32 KB agent on the redirect path).
 */
function isBingPreview(agent: string): boolean {
  const lower = agent.toLowerCase();
  const at = lower.indexOf("bingbot/");
  return at !== -1 && lower.indexOf("preview", at + "bingbot/".length) !== -1;
}

/**
 * How much of a user agent is looked at. Real agents are under 300 characters; a client can send
 * tens of kilobytes, and isbot, the preview list and the parser all take time growing with the
 * length, on the redirect path. Everything below (the cache key too) sees only this prefix, so a
 * 64 KB agent costs what a 512-character one does and the cache never holds one.
 */
export const AGENT_PREFIX_LENGTH = 512;
const agentPrefix = (agent: string) => (agent.length > AGENT_PREFIX_LENGTH ? agent.slice(0, AGENT_PREFIX_LENGTH) : agent);

/**
 * What a user agent string says, parsed once per isolate: a viral code's scans come from the same
 * few phone and browser versions over and over, and a parse costs more than the lookup.
 */
interface AgentFacts {
  reason: "preview" | "isbot" | null;
  device: string;
  os: string | null;
  browser: string | null;
}
const AGENT_CACHE_SIZE = 1_000;
const agents = new Map<string, AgentFacts>();

export function agentFacts(fullAgent: string): AgentFacts {
  const agent = agentPrefix(fullAgent);
  let facts = agents.get(agent);
  if (!facts) {
    const reason = PREVIEW_AGENTS.test(agent) || isBingPreview(agent) ? "preview" : agent === "" || isbot(agent) ? "isbot" : null;
    facts = { reason, ...describeAgent(agent, reason !== null) };
    if (agents.size >= AGENT_CACHE_SIZE) agents.delete(agents.keys().next().value!);
    agents.set(agent, facts);
  }
  return facts;
}

/** Why a request is not a person, or null when it is (as far as anyone can tell). */
export function botReason(request: Request): BotReason | null {
  if (request.method === "HEAD") return "head";
  const purpose = `${request.headers.get("Purpose") ?? ""} ${request.headers.get("Sec-Purpose") ?? ""} ${request.headers.get("X-Moz") ?? ""}`;
  if (/prefetch|prerender/i.test(purpose)) return "prefetch";
  return agentFacts(request.headers.get("User-Agent") ?? "").reason;
}

const DEVICE_TYPES = new Set(["mobile", "tablet", "console", "smarttv", "wearable", "embedded"]);

export function describeAgent(fullAgent: string, bot: boolean): { device: string; os: string | null; browser: string | null } {
  const agent = agentPrefix(fullAgent);
  const parsed = new UAParser(agent).getResult();
  const type = parsed.device.type;
  const device = bot ? "bot" : type && DEVICE_TYPES.has(type) ? (type === "smarttv" ? "tv" : type) : agent ? "desktop" : "unknown";
  return { device, os: parsed.os.name ?? null, browser: parsed.browser.name ?? null };
}
