import { beforeEach, describe, expect, it, vi } from "vitest";

// Every agent string isbot and ua-parser-js are handed, by length: the work they do grows with it.
const seen = vi.hoisted(() => ({ isbot: [] as number[], parser: [] as number[] }));

vi.mock("isbot", async (importOriginal) => {
  const real = await importOriginal<typeof import("isbot")>();
  return {
    ...real,
    isbot: (agent: string) => {
      seen.isbot.push(agent.length);
      return real.isbot(agent);
    },
  };
});

vi.mock("ua-parser-js", async (importOriginal) => {
  const Real = ((await importOriginal()) as { default: new (agent: string) => unknown }).default;
  return {
    default: function UAParser(agent: string) {
      seen.parser.push(agent.length);
      return new Real(agent);
    },
  };
});

const { AGENT_PREFIX_LENGTH, PREVIEW_AGENTS, botReason, describeAgent } = await import("../../src/analytics/user-agent");

const scanWith = (agent: string) => new Request("https://qr.test/r/abc", { headers: { "User-Agent": agent } });
// The agent cache lives as long as the module: each test classifies agents no other test uses.
const unique = () => `Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1 t${crypto.randomUUID()}`;

describe("user agents are classified by a bounded prefix", () => {
  beforeEach(() => {
    seen.isbot.length = 0;
    seen.parser.length = 0;
  });

  it("a 64 KB agent reaches isbot and the parser only as its first 512 characters", () => {
    const agent = `${unique()} ${"bingbot/".repeat(8 * 1024)}`;
    expect(agent.length).toBeGreaterThan(64 * 1024);
    botReason(scanWith(agent));
    describeAgent(agent, false);
    expect(seen.isbot.length).toBeGreaterThan(0);
    expect(seen.parser.length).toBeGreaterThan(0);
    expect(Math.max(...seen.isbot, ...seen.parser)).toBeLessThanOrEqual(AGENT_PREFIX_LENGTH);
  });

  it("a long agent is classified as its prefix, and the cache keeps it under the prefix", () => {
    const prefix = unique().padEnd(AGENT_PREFIX_LENGTH, "x");
    // Past the prefix: words that would make it a preview fetcher or a crawler if they were read.
    const long = `${prefix}${" WhatsApp/2.23 Googlebot/2.1 bingbot/2.0 preview".repeat(1_500)}`;
    expect(botReason(scanWith(long))).toBe(botReason(scanWith(prefix)));
    expect(botReason(scanWith(long))).toBeNull();
    expect(describeAgent(long, false)).toEqual(describeAgent(prefix, false));
    // The prefix found the facts the long agent left in the cache: isbot ran once for both.
    expect(seen.isbot).toEqual([AGENT_PREFIX_LENGTH]);
  });

  it("the preview list is literal alternatives: no quantifier that could backtrack over the agent", () => {
    expect(PREVIEW_AGENTS.source).not.toMatch(/[*+?{]/);
  });

  it("Bing's preview fetcher is still a preview, and bingbot alone is still a crawler", () => {
    expect(botReason(scanWith(`Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Preview ${crypto.randomUUID()}`))).toBe("preview");
    expect(botReason(scanWith(`Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) ${crypto.randomUUID()}`))).toBe("isbot");
    // "preview" before "bingbot/" is not Bing's preview fetcher (as the old pattern said).
    expect(botReason(scanWith(`preview Mozilla/5.0 (compatible; bingbot/2.0) ${crypto.randomUUID()}`))).toBe("isbot");
    expect(botReason(scanWith(`facebookexternalhit/1.1 ${crypto.randomUUID()}`))).toBe("preview");
  });
});
