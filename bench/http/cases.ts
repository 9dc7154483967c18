// HTTP cases against one local Worker. A suite seeds what its cases need, then its cases run in
// order; a case may name another case of the run as its baseline and is reported as a ratio to it.
import { expectAnswer, type Load } from "./load";
import { createCode, createOrganization, insertCodes, listTotal, type BulkCode } from "./seed";
import { pairingSuite } from "../pairing";
import { bulkCreates } from "./bulk";
import type { LocalWorker } from "./worker";

export interface HttpCase {
  name: string;
  /** Another case of the run (before or after this one), reported beside this one as a ratio. */
  baseline?: string;
  /**
   * "median" (default): this case's median latency over the baseline's (lower is better);
   * "throughput": this case's requests per second over the baseline's (higher is better).
   */
  compareBy?: "median" | "throughput";
  /** Items one request carries (a bulk call's codes): medians are compared per item (default 1). */
  itemsPerRequest?: number;
  load: Load;
}

export interface HttpSuite {
  name: string;
  /**
   * Interleaves the cases: in each of this many rounds every case runs its next share of
   * requests, in order (default 1: each case runs whole, one after the other).
   */
  rounds?: number;
  /**
   * Rotates the order each round (round r starts at case r mod n), for cases whose work runs on
   * after their answers: the queue consumer stores one case's scans while the next case runs, so
   * a fixed order charges that work to whichever case always comes next.
   */
  rotate?: boolean;
  /** Seeds through the Worker (and D1), then returns the cases to run, in order. */
  prepare: (worker: LocalWorker) => Promise<HttpCase[]>;
}

const json = (secret: string, body: unknown) => ({
  method: "POST",
  headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

/** A dark colour per code (every channel at most 160 of 255: over 4:1 against white). */
const darkColour = (i: number) => `#${[20 + ((i * 53) % 100), 20 + ((i * 97) % 100), 60 + ((i * 31) % 100)].map((v) => v.toString(16).padStart(2, "0")).join("")}`;

/** The styled design, with each code's own gradient start colour (its URL differs too). */
const styledAppearance = (i: number) => ({
  dotsOptionsType: "rounded",
  dotsOptionsGradientType: "linear",
  dotsOptionsGradientColorStops: [
    { offset: 0, color: darkColour(i) },
    { offset: 1, color: "#6d28d9" },
  ],
  cornersSquareOptionsType: "extra-rounded",
  cornersDotOptionsType: "dot",
  predefinedImage: "link",
  qrOptionsErrorCorrectionLevel: "H",
});

const DOWNLOAD = { format: "png", size: 500, margin: 10 };
const FIRST_RENDERS = 100;
const WARM_UP_RENDERS = 5;
const CACHED_REQUESTS = 300;

/**
 * "download 500 px styled, first render vs cached": every first-render sample is its own code
 * (a distinct design at the same 500 px), so each is a real render; the cached case then asks for
 * the same images again. A few renders on separate codes warm the isolate (resvg's wasm, the JIT).
 */
const downloads: HttpSuite = {
  name: "download",
  rounds: 10,
  async prepare(worker) {
    const org = await createOrganization(worker, "bench downloads");
    const ids: string[] = [];
    for (let i = 0; i < WARM_UP_RENDERS + FIRST_RENDERS; i++) {
      const code = await createCode(worker, org, {
        name: `Styled ${i}`,
        type: "url",
        content: { url: `https://example.com/styled/${i}` },
        appearance: styledAppearance(i),
      });
      ids.push(code.id as string);
    }
    const download = (id: string) => ({ path: `/qr_codes/${id}/download`, ...json(org.secret, DOWNLOAD) });
    for (const id of ids.slice(0, WARM_UP_RENDERS)) {
      for (let k = 0; k < 2; k++) await (await fetch(worker.baseUrl + download(id).path, download(id))).arrayBuffer();
    }
    const measured = ids.slice(WARM_UP_RENDERS);
    return [
      {
        name: "download 500px styled, first render",
        baseline: "download 500px styled, cached",
        load: { count: measured.length, concurrency: 1, request: (i) => download(measured[i]!), check: expectAnswer(200, ["X-Render-Cache", "miss"]) },
      },
      {
        // Request i of the cached case asks for an image the same round's first renders produced:
        // round r renders codes [10r, 10r + 10) and then asks for each of them 3 times.
        name: "download 500px styled, cached",
        load: { count: CACHED_REQUESTS, concurrency: 1, request: (i) => download(measured[Math.floor((i * measured.length) / CACHED_REQUESTS)]!), check: expectAnswer(200, ["X-Render-Cache", "hit"]) },
      },
    ];
  },
};

export const LIST_CODES = 10_000;
const LIST_REQUESTS = 200;
const SEASONS = ["spring", "summer", "autumn", "winter"];
const KINDS = ["flyer", "poster", "menu", "table card", "badge"];

/**
 * "list 30 codes with 10,000 codes in the organization": two codes through the API (a url code
 * and a static email code), the rest copied from them straight into D1; 4 in 5 are url codes.
 * Baseline: GET /health, one trivial D1 query.
 */
const listing: HttpSuite = {
  name: "list",
  rounds: 10,
  async prepare(worker) {
    const org = await createOrganization(worker, "bench list");
    const olderThanTemplates = Date.now();
    const url = await createCode(worker, org, { name: "summer flyer template", type: "url", content: { url: "https://example.com/list/0" }, appearance: styledAppearance(0) });
    const email = await createCode(worker, org, { name: "winter badge template", type: "email", content: { address: "bench@example.com", subject: "Hello" } });
    const bulk: BulkCode[] = Array.from({ length: LIST_CODES - 2 }, (_, i) =>
      i % 5 === 4
        ? { name: `${SEASONS[i % 4]} ${KINDS[i % 5]} ${i}`, templateId: email.id as string, dynamic: false }
        : { name: `${SEASONS[i % 4]} ${KINDS[i % 5]} ${i}`, templateId: url.id as string, url: `https://example.com/list/${i + 1}`, dynamic: true },
    );
    insertCodes(worker, org.orgId, bulk, olderThanTemplates);
    const total = await listTotal(worker, org);
    if (total !== LIST_CODES) throw new Error(`the list organization holds ${total} codes, expected ${LIST_CODES}`);
    const get = (path: string) => ({ path, headers: { Authorization: `Bearer ${org.secret}` } });
    const sequential = (path: string): Load => ({ count: LIST_REQUESTS, concurrency: 1, warmUp: 10, request: () => get(path), check: expectAnswer(200) });
    return [
      { name: "GET /health", load: sequential("/health") },
      { name: "list page 1", baseline: "GET /health", load: sequential("/qr_codes") },
      { name: "list page 170", baseline: "GET /health", load: sequential("/qr_codes?page=170") },
      { name: "list search+type", baseline: "GET /health", load: sequential("/qr_codes?search=summer&type=url") },
    ];
  },
};

const REDIRECTS = 4_000;
const REDIRECT_CONCURRENCY = 16;
const BENCH_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1";

/** HH:MM in `timeZone`, `hours` from now: windows the bench's few minutes stay well inside or outside of. */
function localClock(timeZone: string, hours: number): string {
  const clock = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return clock.format(Date.now() + hours * 3_600_000);
}

/**
 * Five rules of every kind, in an order where the bench's request (an iPhone, no country in local
 * dev, English) fails the first four and matches the last, so every rule is evaluated on every
 * request, both windows included (the window is the one condition that formats a date).
 */
const fiveRules = () => [
  { name: "Android", url: "https://example.com/android", os: ["android"] },
  { name: "DACH", url: "https://example.com/dach", countries: ["DE", "AT", "CH"] },
  { name: "French", url: "https://example.com/fr", languages: ["fr", "fr-CA"] },
  // Six to nine hours ahead in Tokyo: never now during the run.
  { name: "Tokyo later", url: "https://example.com/tokyo", window: { days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], from: localClock("Asia/Tokyo", 6), until: localClock("Asia/Tokyo", 9), timeZone: "Asia/Tokyo" } },
  {
    name: "English iPhone in New York hours",
    url: "https://example.com/ny",
    os: ["ios"],
    languages: ["en"],
    // Six hours either side of now in New York: always now during the run.
    window: { from: localClock("America/New_York", -6), until: localClock("America/New_York", 6), timeZone: "America/New_York" },
  },
];
const FIVE_RULES_LOCATION = "https://example.com/ny?utm_source=bench&utm_medium=qr&utm_campaign=five+rules";

/**
 * "/r/{token} against a route that returns a constant 302": the same Worker, middleware and
 * headers, so the ratio is what the short link's own work costs (at most one KV read, then the
 * record from isolate memory; the event enqueued after the response, and stored by the queue
 * consumer in the same workerd while the cases run). Interleaved in rounds so all see the same
 * machine, in an order that rotates so each case follows each other case equally often (the
 * consumer's work for the scans of one case lands in the next). "redirect with five rules" is the
 * same against a code carrying five routing rules and UTM parameters (issue 19: still at least
 * 0.9x the constant 302).
 */
const redirects: HttpSuite = {
  name: "redirect",
  rounds: 9,
  rotate: true,
  async prepare(worker) {
    const org = await createOrganization(worker, "bench redirects");
    const code = await createCode(worker, org, { name: "redirect", type: "url", content: { url: "https://example.com/landing" } });
    const token = (code.metadata as { shortToken: string }).shortToken;
    const smart = await createCode(worker, org, {
      name: "redirect with five rules",
      type: "url",
      content: { url: "https://example.com/landing" },
      routing: { rules: fiveRules() },
      utm: { source: "bench", medium: "qr", campaign: "five rules" },
    });
    const smartToken = (smart.metadata as { shortToken: string }).shortToken;
    const browser = { "User-Agent": BENCH_AGENT, "Accept-Language": "en-US,en;q=0.9,fr;q=0.5" };
    const load = (path: string, check = expectAnswer(302)): Load => ({ count: REDIRECTS, concurrency: REDIRECT_CONCURRENCY, warmUp: 100, request: () => ({ path, headers: browser }), check });
    return [
      { name: "constant 302", load: load("/bench/constant-redirect") },
      { name: "redirect /r/{token}", baseline: "constant 302", compareBy: "throughput", load: load(`/r/${token}`) },
      // Checked to land on the last rule's URL with the UTM parameters: a case that measured a
      // miss (a rule matching early, or none) would time less work than it claims.
      { name: "redirect with five rules", baseline: "constant 302", compareBy: "throughput", load: load(`/r/${smartToken}`, expectAnswer(302, ["Location", FIVE_RULES_LOCATION])) },
    ];
  },
};

export const HTTP_SUITES: HttpSuite[] = [redirects, downloads, listing, pairingSuite, bulkCreates];
