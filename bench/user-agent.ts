// Classifying a user agent on a cache miss (isbot, the preview list, the parser), as the redirect
// does for every agent its isolate has not seen: a phone's ordinary agent beside a 64 KB one built
// to make a backtracking pattern crawl, and beside its own first 512 characters: only those are
// read, so the 64 KB agent should cost what its prefix does. The pattern the redirect used before
// is timed once on the same agent.
import { AGENT_PREFIX_LENGTH, agentFacts } from "../src/analytics/user-agent";

const PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const HOSTILE = "bingbot/".repeat(8 * 1024);
const OLD_PATTERN = /WhatsApp|Slackbot|Slack-ImgProxy|facebookexternalhit|Facebot|meta-externalagent|TelegramBot|Discordbot|Twitterbot|LinkedInBot|SkypeUriPreview|Viber|Line\/|KAKAOTALK-scrap|Iframely|Embedly|redditbot|Pinterestbot|Applebot|Google-PageRenderer|bingbot\/.*preview/i;

const RUNS = 300;
let made = 0;

/** Median time of one classification; every agent starts with a number of its own, so each misses the cache. */
function medianMs(agentOf: (unique: number) => string): number {
  // Built before timing, and decoded from bytes as a header is: one flat string, not a
  // concatenation the engine would copy on first read.
  const agents = Array.from({ length: 2 * RUNS }, () => new TextDecoder().decode(new TextEncoder().encode(agentOf(made++))));
  for (let i = 0; i < RUNS; i++) agentFacts(agents[i]!);
  const times: number[] = [];
  for (let i = RUNS; i < 2 * RUNS; i++) {
    const started = performance.now();
    agentFacts(agents[i]!);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export interface AgentFigures {
  phoneMs: number;
  prefixMs: number;
  hostileMs: number;
  /** The 64 KB agent over its own 512-character prefix. */
  ratioToPrefix: number;
  oldPatternMs: number;
}

export function agentBench(): AgentFigures {
  const phoneMs = medianMs((i) => `${i}${PHONE}`);
  const prefixMs = medianMs((i) => `${i}${HOSTILE}`.slice(0, AGENT_PREFIX_LENGTH));
  const hostileMs = medianMs((i) => `${i}${HOSTILE}`);
  const started = performance.now();
  OLD_PATTERN.test(HOSTILE);
  return { phoneMs, prefixMs, hostileMs, ratioToPrefix: hostileMs / prefixMs, oldPatternMs: performance.now() - started };
}
