import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  chooseDestination,
  deviceOs,
  inWindow,
  preferredLanguage,
  RoutingSchema,
  ruleMatches,
  RuleSchema,
  variantAt,
  variantBucket,
  withUtm,
  type Routing,
  type Rule,
  type ScanFacts,
  type Utm,
} from "../../src/codes/smart-links";

// Smart links' pure evaluation (src/codes/smart-links.ts) on an injected clock and fixed inputs:
// what the edge decides from the redirect record alone. Through HTTP: test/worker/smart-links.test.ts.

const at = (iso: string) => Date.parse(iso);
const URL_A = "https://example.com/a";

/** A validated window (defaults filled in), as the redirect record holds it. */
const window = (input: Record<string, unknown>) => RuleSchema.parse({ url: URL_A, window: input }).window!;

describe("time windows (inWindow, on fixed instants)", () => {
  // 2026-01-12 is a Monday, so 2026-01-13 a Tuesday and 2026-01-17 a Saturday.
  it("a plain window: from inclusive, until exclusive, in local time", () => {
    const office = window({ from: "09:00", until: "17:00", timeZone: "Europe/Berlin" }); // CET, UTC+1 in January
    expect(inWindow(office, at("2026-01-13T07:59:00Z"))).toBe(false); // 08:59
    expect(inWindow(office, at("2026-01-13T08:00:00Z"))).toBe(true); // 09:00
    expect(inWindow(office, at("2026-01-13T15:59:00Z"))).toBe(true); // 16:59
    expect(inWindow(office, at("2026-01-13T16:00:00Z"))).toBe(false); // 17:00
  });

  it("past midnight: days name the day the window starts on", () => {
    const monNight = window({ from: "22:00", until: "06:00", days: ["mon"], timeZone: "UTC" });
    const tueNight = window({ from: "22:00", until: "06:00", days: ["tue"], timeZone: "UTC" });
    // 02:00 on Tuesday is Monday night.
    expect(inWindow(monNight, at("2026-01-13T02:00:00Z"))).toBe(true);
    expect(inWindow(tueNight, at("2026-01-13T02:00:00Z"))).toBe(false);
    // 23:00 on Monday is Monday night; 23:00 on Tuesday is not.
    expect(inWindow(monNight, at("2026-01-12T23:00:00Z"))).toBe(true);
    expect(inWindow(monNight, at("2026-01-13T23:00:00Z"))).toBe(false);
    expect(inWindow(tueNight, at("2026-01-13T23:00:00Z"))).toBe(true);
    // 02:00 on Monday belongs to Sunday night.
    expect(inWindow(monNight, at("2026-01-12T02:00:00Z"))).toBe(false);
    // The edges: 22:00 in, 06:00 out, 21:59 out.
    expect(inWindow(monNight, at("2026-01-12T22:00:00Z"))).toBe(true);
    expect(inWindow(monNight, at("2026-01-13T05:59:00Z"))).toBe(true);
    expect(inWindow(monNight, at("2026-01-13T06:00:00Z"))).toBe(false);
    expect(inWindow(monNight, at("2026-01-12T21:59:00Z"))).toBe(false);
  });

  it('until "24:00" runs to the end of the day, and the defaults are the whole day', () => {
    const evening = window({ from: "18:00", until: "24:00", timeZone: "UTC" });
    expect(inWindow(evening, at("2026-01-13T17:59:00Z"))).toBe(false);
    expect(inWindow(evening, at("2026-01-13T18:00:00Z"))).toBe(true);
    expect(inWindow(evening, at("2026-01-13T23:59:59Z"))).toBe(true);
    expect(inWindow(evening, at("2026-01-14T00:00:00Z"))).toBe(false);
    const wholeDay = window({ timeZone: "UTC" });
    expect(wholeDay).toEqual({ days: null, from: "00:00", until: "24:00", timeZone: "UTC" });
    for (const iso of ["2026-01-13T00:00:00Z", "2026-01-13T12:00:00Z", "2026-01-13T23:59:00Z"]) expect(inWindow(wholeDay, at(iso))).toBe(true);
  });

  it("days filter by the local weekday", () => {
    const weekend = window({ days: ["sat", "sun"], timeZone: "UTC" });
    expect(inWindow(weekend, at("2026-01-16T23:59:00Z"))).toBe(false); // Friday
    expect(inWindow(weekend, at("2026-01-17T00:00:00Z"))).toBe(true); // Saturday
    expect(inWindow(weekend, at("2026-01-18T23:59:00Z"))).toBe(true); // Sunday
    expect(inWindow(weekend, at("2026-01-19T00:00:00Z"))).toBe(false); // Monday
    const weekdayMornings = window({ days: ["mon", "tue", "wed", "thu", "fri"], from: "08:00", until: "10:00", timeZone: "UTC" });
    expect(inWindow(weekdayMornings, at("2026-01-13T09:00:00Z"))).toBe(true);
    expect(inWindow(weekdayMornings, at("2026-01-17T09:00:00Z"))).toBe(false);
  });

  it("local hours stay local across a DST change (Europe/Berlin, 29 March 2026 at 01:00 UTC)", () => {
    const nineToTen = window({ from: "09:00", until: "10:00", timeZone: "Europe/Berlin" });
    // Saturday, CET (UTC+1): 09:30 local is 08:30 UTC.
    expect(inWindow(nineToTen, at("2026-03-28T08:30:00Z"))).toBe(true);
    expect(inWindow(nineToTen, at("2026-03-28T07:30:00Z"))).toBe(false);
    // Sunday, CEST (UTC+2): 09:30 local is 07:30 UTC, and 08:30 UTC is 10:30 local.
    expect(inWindow(nineToTen, at("2026-03-29T07:30:00Z"))).toBe(true);
    expect(inWindow(nineToTen, at("2026-03-29T08:30:00Z"))).toBe(false);
    // Back to CET on 25 October 2026.
    expect(inWindow(nineToTen, at("2026-10-26T08:30:00Z"))).toBe(true);
    expect(inWindow(nineToTen, at("2026-10-26T07:30:00Z"))).toBe(false);
    // The hour the clocks skip (02:00 to 03:00 local) never happens that Sunday.
    const skipped = window({ days: ["sun"], from: "02:00", until: "03:00", timeZone: "Europe/Berlin" });
    const sundayMinutes = Array.from({ length: 24 * 60 }, (_, m) => at("2026-03-28T23:00:00Z") + m * 60_000);
    expect(sundayMinutes.filter((now) => inWindow(skipped, now))).toEqual([]);
    // The week before, it is an ordinary hour (CET: 01:00 to 02:00 UTC).
    expect(inWindow(skipped, at("2026-03-22T01:30:00Z"))).toBe(true);
  });

  it("local hours stay local across a DST change (America/New_York, 8 March 2026 at 07:00 UTC)", () => {
    const nineToTen = window({ from: "09:00", until: "10:00", timeZone: "America/New_York" });
    // Friday, EST (UTC-5): 09:30 local is 14:30 UTC.
    expect(inWindow(nineToTen, at("2026-03-06T14:30:00Z"))).toBe(true);
    expect(inWindow(nineToTen, at("2026-03-06T13:30:00Z"))).toBe(false);
    // Monday, EDT (UTC-4): 09:30 local is 13:30 UTC, and 14:30 UTC is 10:30 local.
    expect(inWindow(nineToTen, at("2026-03-09T13:30:00Z"))).toBe(true);
    expect(inWindow(nineToTen, at("2026-03-09T14:30:00Z"))).toBe(false);
    // Back to EST on 1 November 2026.
    expect(inWindow(nineToTen, at("2026-11-02T14:30:00Z"))).toBe(true);
    expect(inWindow(nineToTen, at("2026-11-02T13:30:00Z"))).toBe(false);
  });

  it("a zone far from UTC (Pacific/Kiritimati, UTC+14) uses its own weekday", () => {
    // Tuesday 12:00 UTC is Wednesday 02:00 on Kiritimati.
    const now = at("2026-01-13T12:00:00Z");
    expect(inWindow(window({ days: ["wed"], from: "00:00", until: "12:00", timeZone: "Pacific/Kiritimati" }), now)).toBe(true);
    expect(inWindow(window({ days: ["tue"], from: "00:00", until: "12:00", timeZone: "Pacific/Kiritimati" }), now)).toBe(false);
    expect(inWindow(window({ days: ["tue"], timeZone: "UTC" }), now)).toBe(true);
    // Past midnight there: Tuesday night 22:00 to 06:00 local holds Wednesday 02:00.
    expect(inWindow(window({ days: ["tue"], from: "22:00", until: "06:00", timeZone: "Pacific/Kiritimati" }), now)).toBe(true);
  });
});

describe("preferredLanguage (Accept-Language)", () => {
  it("takes the highest q, lower case", () => {
    expect(preferredLanguage("fr;q=0.5, de-AT;q=0.9, en;q=0.8")).toBe("de-at");
    expect(preferredLanguage("en-US,en;q=0.9,fr;q=0.5")).toBe("en-us");
    expect(preferredLanguage("pt-BR")).toBe("pt-br");
  });

  it("keeps the first of equal q values (no q is q=1)", () => {
    expect(preferredLanguage("en-GB, de")).toBe("en-gb");
    expect(preferredLanguage("fr;q=0.7, de;q=0.7, it;q=0.6")).toBe("fr");
    expect(preferredLanguage("es;q=0.9, nl, sv")).toBe("nl");
  });

  it("skips * and q=0", () => {
    expect(preferredLanguage("*, de;q=0.5")).toBe("de");
    expect(preferredLanguage("fr;q=0, en;q=0.1")).toBe("en");
    expect(preferredLanguage("*;q=1, fr;q=0.0")).toBeNull();
  });

  it("skips malformed entries", () => {
    expect(preferredLanguage("12, en_US, ;q=1, x y, fr;q=abc, it;q=, de;q=0.2")).toBe("de");
    expect(preferredLanguage(",,,")).toBeNull();
    expect(preferredLanguage("")).toBeNull();
    expect(preferredLanguage(null)).toBeNull();
  });

  it("reads only the first 1,000 characters of the header", () => {
    // 111 entries of 9 characters and a comma: the 1,000th character, so "de" is past the cut.
    expect(preferredLanguage(`${"xx;q=0.1,".repeat(111)},de`)).toBe("xx");
    expect(preferredLanguage(`${"xx;q=0.1,".repeat(110)}de`)).toBe("de"); // 990 + 2
    expect(preferredLanguage(`${"x".repeat(100_000)}, de`)).toBeNull();
  });

  it('a rule\'s language matches itself and its regions: "de" takes "de-AT", not "deu"; "de-AT" not "de"', () => {
    const german = RuleSchema.parse({ url: URL_A, languages: ["de"] });
    const austrian = RuleSchema.parse({ url: URL_A, languages: ["DE-AT"] });
    expect(austrian.languages).toEqual(["de-at"]);
    const facts = (language: string | null): ScanFacts => ({ os: "other", country: null, language, now: 0 });
    expect(ruleMatches(german, facts("de"))).toBe(true);
    expect(ruleMatches(german, facts("de-at"))).toBe(true);
    expect(ruleMatches(german, facts("deu"))).toBe(false);
    expect(ruleMatches(german, facts(null))).toBe(false);
    expect(ruleMatches(austrian, facts("de-at"))).toBe(true);
    expect(ruleMatches(austrian, facts("de"))).toBe(false);
    expect(ruleMatches(austrian, facts("de-ch"))).toBe(false);
    // From the header to the rule, as the edge does it.
    expect(ruleMatches(german, facts(preferredLanguage("en;q=0.5, de-AT")))).toBe(true);
  });
});

describe("deviceOs (User-Agent)", () => {
  const agents: [string, string, "ios" | "android" | "other"][] = [
    ["iPhone Safari", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "ios"],
    ["iPad Safari (mobile mode)", "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1", "ios"],
    ["Chrome on iOS (CriOS)", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1", "ios"],
    ["Firefox on iOS (FxiOS)", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/127.0 Mobile/15E148 Safari/605.1.15", "ios"],
    ["iPod touch", "Mozilla/5.0 (iPod touch; CPU iPhone OS 15_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6 Mobile/15E148 Safari/604.1", "ios"],
    ["Android Chrome", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36", "android"],
    ["Samsung Internet", "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36", "android"],
    ["Firefox Android", "Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0", "android"],
    ["Android tablet Chrome", "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "android"],
    ["desktop Chrome (Windows)", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "other"],
    ["desktop Safari (macOS)", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", "other"],
    ["desktop Firefox (Linux)", "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", "other"],
    ["desktop Chrome (macOS)", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "other"],
    // iPadOS asks for desktop sites by default and then sends a Mac's User-Agent, word for word.
    ["iPadOS in desktop mode", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", "other"],
    ["curl", "curl/8.5.0", "other"],
    ["empty", "", "other"],
  ];
  it.each(agents)("%s", (_name, agent, os) => {
    expect(deviceOs(agent)).toBe(os);
  });
});

describe("A/B variants: 10,000 simulated visitors", () => {
  // The visitor keys the edge uses are 64 hex characters of an HMAC (analytics/visitor.ts); a
  // SHA-256 of "visitor-i" is as uniform and deterministic.
  const VISITORS = 10_000;
  const keys = Array.from({ length: VISITORS }, (_, i) => createHash("sha256").update(`visitor-${i}`).digest("hex"));
  const CODES = ["6751a3c2e4b0a1b2c3d4e5f6", "6751a3c2e4b0a1b2c3d4e5f7", "0190f00dcafe4b1d9e8a7c55"];
  const variants = (weights: number[]) => RoutingSchema.parse({ variants: weights.map((weight, i) => ({ url: `https://example.com/v${i}`, weight })) }).variants;
  const choices = (weights: number[], code: string) => {
    const list = variants(weights);
    return keys.map((key) => variantAt(list, variantBucket(key, code)));
  };

  // Tolerance: a share of n = 10,000 independent visitors has a standard deviation of
  // sqrt(p(1-p)/n) ≤ sqrt(0.25/10,000) = 0.5 percentage points for any p, so ±2 points is at
  // least 4 standard deviations (a fair assignment lands outside it about once in 16,000 checks).
  const TOLERANCE = 0.02;

  it.each([[[50, 50]], [[70, 30]], [[10, 20, 30, 40]], [[1, 99]]])("weights %j: each share within ±2 points, on three codes", (weights) => {
    for (const code of CODES) {
      const chosen = choices(weights, code);
      const shares = weights.map((_, i) => chosen.filter((c) => c === i).length / VISITORS);
      for (const [i, weight] of weights.entries()) expect(Math.abs(shares[i]! - weight / 100), `code ${code}, variant ${i}: ${shares[i]}`).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it("the same visitor always gets the same variant of a code", () => {
    for (const weights of [[50, 50], [10, 20, 30, 40], [1, 99]]) expect(choices(weights, CODES[0]!)).toEqual(choices(weights, CODES[0]!));
    for (const key of keys.slice(0, 100)) expect(variantBucket(key, CODES[1]!)).toBe(variantBucket(key, CODES[1]!));
  });

  it("the visitor's place is uniform over 0..99", () => {
    const counts = new Array<number>(100).fill(0);
    for (const key of keys) counts[variantBucket(key, CODES[0]!)]!++;
    // Chi-square with 99 degrees of freedom: 99 on average, above 150 about once in a thousand.
    const expected = VISITORS / 100;
    const chiSquare = counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(150);
  });

  it("different codes choose independently for the same visitors", () => {
    for (const weights of [[50, 50], [10, 20, 30, 40]]) {
      const first = choices(weights, CODES[0]!);
      const second = choices(weights, CODES[1]!);
      // Independent choices agree with probability Σ p²: 0.5 for 50/50, 0.3 for 10/20/30/40.
      const expected = weights.reduce((sum, w) => sum + (w / 100) ** 2, 0);
      const agreement = first.filter((c, i) => c === second[i]).length / VISITORS;
      expect(Math.abs(agreement - expected), `agreement ${agreement}, expected ${expected}`).toBeLessThanOrEqual(TOLERANCE);
    }
    // And the places themselves are uncorrelated: |r| ≤ 4/sqrt(n) = 0.04.
    const a = keys.map((key) => variantBucket(key, CODES[0]!));
    const b = keys.map((key) => variantBucket(key, CODES[2]!));
    expect(Math.abs(correlation(a, b))).toBeLessThanOrEqual(0.04);
  });

  it("shares of 0..99 go to the variants in order", () => {
    const list = variants([1, 99]);
    expect(variantAt(list, 0)).toBe(0);
    expect(variantAt(list, 1)).toBe(1);
    expect(variantAt(list, 99)).toBe(1);
    const four = variants([10, 20, 30, 40]);
    expect([0, 9, 10, 29, 30, 59, 60, 99].map((bucket) => variantAt(four, bucket))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  });

  it("chooseDestination asks for the visitor's key only when variants choose", async () => {
    const routing: Routing = RoutingSchema.parse({
      rules: [{ name: "iPhone", url: "https://example.com/ios", os: ["ios"] }],
      variants: [
        { name: "control", url: null, weight: 50 },
        { url: "https://example.com/b", weight: 50 },
      ],
    });
    let asked = 0;
    const key = async () => (asked++, keys[7]!);
    const iphone = await chooseDestination("https://example.com/", CODES[0]!, routing, undefined, { os: "ios", country: null, language: null, now: 0 }, key);
    expect(iphone).toMatchObject({ location: "https://example.com/ios", rule: "iPhone", variant: null });
    expect(asked).toBe(0);
    const desktop = await chooseDestination("https://example.com/", CODES[0]!, routing, undefined, { os: "other", country: null, language: null, now: 0 }, key);
    expect(asked).toBe(1);
    expect(desktop.rule).toBe("default");
    const expected = variantAt(routing.variants, variantBucket(keys[7]!, CODES[0]!));
    expect(desktop).toMatchObject(expected === 0 ? { location: "https://example.com/", rule: "default", variant: "control" } : { location: "https://example.com/b", rule: "default", variant: "B" });
  });
});

function correlation(a: number[], b: number[]): number {
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const [ma, mb] = [mean(a), mean(b)];
  let [cov, va, vb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    cov += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}

describe("withUtm", () => {
  const utm = (values: Partial<Utm>): Utm => ({ source: null, medium: null, campaign: null, term: null, content: null, ...values });

  it("ours replace same-named parameters; the target's others and its fragment stay", () => {
    expect(withUtm("https://example.com/landing?utm_source=old&ref=42#top", utm({ source: "flyer", medium: "qr", campaign: "spring sale" }))).toBe(
      "https://example.com/landing?utm_source=flyer&ref=42&utm_medium=qr&utm_campaign=spring+sale#top",
    );
    expect(withUtm("http://example.com/?utm_term=keep&utm_content=old", utm({ content: "poster" }))).toBe("http://example.com/?utm_term=keep&utm_content=poster");
  });

  it("skips null fields", () => {
    expect(withUtm("https://example.com/p", utm({ term: "shoes" }))).toBe("https://example.com/p?utm_term=shoes");
    expect(withUtm("https://example.com/p", utm({ source: "a", medium: "b", campaign: "c", term: "d", content: "e" }))).toBe(
      "https://example.com/p?utm_source=a&utm_medium=b&utm_campaign=c&utm_term=d&utm_content=e",
    );
  });

  it("leaves relative and non-http destinations, and codes without UTM, untouched", () => {
    const ours = utm({ source: "flyer" });
    for (const target of ["/p/abc123", "/files/x.pdf", "mailto:a@example.com", "tel:+491234", "ftp://example.com/x"]) expect(withUtm(target, ours)).toBe(target);
    expect(withUtm("https://Example.com/A?b=1", undefined)).toBe("https://Example.com/A?b=1");
  });

  it("encodes non-ASCII and reserved characters", () => {
    expect(withUtm("https://example.com/a?b=1#f", utm({ source: "Frühling ☀", medium: "a&b=c", campaign: "東京 #1" }))).toBe(
      "https://example.com/a?b=1&utm_source=Fr%C3%BChling+%E2%98%80&utm_medium=a%26b%3Dc&utm_campaign=%E6%9D%B1%E4%BA%AC+%231#f",
    );
  });
});

describe("edges the review found", () => {
  it('a language is stored canonical: "deu" is "de", as browsers send it', () => {
    expect(RuleSchema.parse({ url: URL_A, languages: ["deu", "PT-br"] }).languages).toEqual(["de", "pt-br"]);
  });

  it('a window cannot start at "24:00"', () => {
    expect(RuleSchema.safeParse({ url: URL_A, window: { from: "24:00", until: "06:00", timeZone: "UTC" } }).success).toBe(false);
  });

  it("a header cut at 1,000 characters never counts the fragment of an entry", () => {
    // 99 entries of 10 characters, then "fr-CA" starting at 990 and "de" whose q crosses the cut.
    const header = `${"xx;q=0.01,".repeat(99)}fr;q=0.5,de;q=0.9`;
    expect(header.length).toBeGreaterThan(1000);
    expect(preferredLanguage(header)).toBe("fr");
  });

  it("a code whose UTM fields are all null leaves the URL exactly as written", () => {
    const none = { source: null, medium: null, campaign: null, term: null, content: null };
    expect(withUtm("HTTPS://Example.COM/a?b=1#c", none)).toBe("HTTPS://Example.COM/a?b=1#c");
  });
});

describe("RoutingSchema and RuleSchema", () => {
  const issues = (input: unknown, schema: { safeParse(input: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } } = RoutingSchema) => {
    const result = schema.safeParse(input);
    expect(result.success).toBe(false);
    return result.error!.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  };
  const rule = (extra: Record<string, unknown> = {}) => ({ url: URL_A, os: ["ios"], ...extra });

  it("parses lower-case countries to upper case and fills defaults", () => {
    const parsed: Rule = RuleSchema.parse({ url: URL_A, countries: ["de", "At", "CH"] });
    expect(parsed).toEqual({ name: null, url: URL_A, os: null, countries: ["DE", "AT", "CH"], languages: null, window: null });
    expect(RoutingSchema.parse({})).toEqual({ rules: [], variants: [] });
  });

  it("names an unknown country by rule and place", () => {
    expect(issues({ rules: [rule(), { url: URL_A, countries: ["DE", "zz"] }] })).toEqual(['rules.1.countries.1: unknown country code "ZZ" (ISO 3166-1 alpha-2, e.g. DE)']);
  });

  it("refuses an empty window, on until", () => {
    expect(issues({ rules: [{ url: URL_A, window: { from: "09:00", until: "09:00", timeZone: "Europe/Berlin" } }] })).toEqual([
      "rules.0.window.until: must differ from from: the window would be empty",
    ]);
    expect(issues({ rules: [{ url: URL_A, window: { from: "00:00", until: "00:00", timeZone: "UTC" } }] })).toEqual(["rules.0.window.until: must differ from from: the window would be empty"]);
  });

  it("refuses malformed times, unknown zones and empty day lists", () => {
    expect(issues({ rules: [{ url: URL_A, window: { from: "9:00", until: "25:00", timeZone: "Mars/Olympus", days: [] } }] })).toEqual(
      expect.arrayContaining([
        "rules.0.window.from: must be a time of day HH:MM (00:00 to 23:59)",
        "rules.0.window.until: must be a time of day HH:MM (00:01 to 24:00)",
        'rules.0.window.timeZone: unknown time zone "Mars/Olympus" (an IANA name such as Europe/Berlin)',
        "rules.0.window.days: must list at least one value (leave the field out to match any)",
      ]),
    );
  });

  it("refuses a rule without a condition, and an empty condition", () => {
    expect(issues({ rules: [{ url: URL_A }] })).toEqual(["rules.0: must have at least one condition (os, countries, languages or window)"]);
    expect(issues({ rules: [{ url: URL_A, os: [] }] })).toEqual(["rules.0.os: must list at least one value (leave the field out to match any)"]);
  });

  it("allows 20 rules and refuses 21", () => {
    expect(RoutingSchema.safeParse({ rules: Array.from({ length: 20 }, () => rule()) }).success).toBe(true);
    expect(issues({ rules: Array.from({ length: 21 }, () => rule()) })).toEqual(["rules: must have at most 20 rules"]);
  });

  it('refuses duplicate names and the reserved "default", naming the later one', () => {
    expect(issues({ rules: [rule({ name: "iPhone" }), rule({ name: "Android" }), rule({ name: "iPhone" })] })).toEqual(['rules.2.name: must be unique: "iPhone" names an earlier one']);
    expect(issues({ rules: [rule({ name: "default" })] })).toEqual(['rules.0.name: must not be "default": analytics name scans that no rule matched so']);
    // An unnamed rule is labelled by its place, so a name taken from that label collides with it.
    expect(issues({ rules: [rule(), rule({ name: "rule 1" })] })).toEqual(['rules.1.name: must be unique: "rule 1" names an earlier one']);
    expect(issues({ variants: [{ name: "x", weight: 50 }, { name: "x", weight: 50 }] })).toEqual(['variants.1.name: must be unique: "x" names an earlier one']);
  });

  it("refuses weights that do not add up to 100, and a single variant", () => {
    expect(issues({ variants: [{ weight: 60 }, { weight: 30 }] })).toEqual(["variants: weights must add up to 100 (they add up to 90)"]);
    expect(issues({ variants: [{ weight: 100 }] })).toEqual(["variants: must have at least two variants (or none)"]);
    expect(issues({ variants: [{ weight: 0 }, { weight: 100 }] })).toEqual(expect.arrayContaining([expect.stringMatching(/^variants\.0\.weight: /)]));
    expect(RoutingSchema.parse({ variants: [{ weight: 50 }, { url: URL_A, weight: 50 }] }).variants).toEqual([
      { name: null, url: null, weight: 50 },
      { name: null, url: URL_A, weight: 50 },
    ]);
  });

  it("refuses a url that is not absolute http(s) and an unknown language", () => {
    expect(issues({ url: "javascript:alert(1)", languages: ["fr"] }, RuleSchema)).toEqual(["url: must be an absolute http:// or https:// URL"]);
    expect(issues({ url: URL_A, languages: ["not a tag"] }, RuleSchema)).toEqual(['languages.0: unknown language tag "not a tag" (BCP 47, e.g. de or pt-BR)']);
  });
});
