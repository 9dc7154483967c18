// N requests at concurrency C against a local Worker: latency of each (full body read) and the
// throughput of the whole run. Bounded in count and in time.

export interface HttpRequest {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Load {
  count: number;
  concurrency: number;
  /** Stops issuing requests after this long even if fewer than `count` were sent. */
  timeLimitMs?: number;
  /** Untimed requests first (the same `request(i)` from i = 0), so the JIT and SQLite's page cache are warm. */
  warmUp?: number;
  /** The i-th request (0-based, in issue order; timed ones follow the warm-up ones). */
  request: (i: number) => HttpRequest;
  /** Throws when an answer is not the one being measured (a wrong status, a cache miss…). */
  check?: (response: Response, i: number) => void;
}

export interface LoadFigures {
  requests: number;
  concurrency: number;
  medianMs: number;
  p99Ms: number;
  requestsPerSecond: number;
}

const DEFAULT_TIME_LIMIT_MS = 60_000;

/** Nearest-rank percentile of sorted values. */
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

/** Redirects are answers to measure, not to follow. */
const send = (baseUrl: string, { path, method = "GET", headers, body }: HttpRequest) => fetch(baseUrl + path, { method, headers, body, redirect: "manual" });

/** Raw timings of one part of a load. */
export interface LoadRun {
  times: number[];
  wallMs: number;
}

/**
 * Runs part `index` of `of` equal parts of a load (all of it by default), so the runner can
 * interleave cases in rounds; the warm-up belongs to part 0.
 */
export async function runLoad(baseUrl: string, load: Load, part = { index: 0, of: 1 }): Promise<LoadRun> {
  const times: number[] = [];
  const deadline = performance.now() + (load.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS) / part.of;
  const warmUp = load.warmUp ?? 0;
  if (part.index === 0) for (let i = 0; i < warmUp; i++) await (await send(baseUrl, load.request(i))).arrayBuffer();
  let next = warmUp + Math.floor((load.count * part.index) / part.of);
  const end = warmUp + Math.floor((load.count * (part.index + 1)) / part.of);
  // Each lane sends its next request when its previous answer is fully read (keep-alive reused).
  const lane = async () => {
    while (next < end && performance.now() < deadline) {
      const i = next++;
      const request = load.request(i);
      const started = performance.now();
      const response = await send(baseUrl, request);
      await response.arrayBuffer();
      times.push(performance.now() - started);
      load.check?.(response, i);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.max(1, Math.min(load.concurrency, end - next)) }, lane));
  return { times, wallMs: performance.now() - started };
}

/** Median and p99 over every request of every part; req/s over the time spent in them. */
export function summarize(runs: LoadRun[], concurrency: number): LoadFigures {
  const times = runs.flatMap((r) => r.times).sort((a, b) => a - b);
  if (times.length === 0) throw new Error("no request completed within the time limit");
  const wallMs = runs.reduce((sum, r) => sum + r.wallMs, 0);
  return { requests: times.length, concurrency, medianMs: percentile(times, 50), p99Ms: percentile(times, 99), requestsPerSecond: times.length / (wallMs / 1000) };
}

/** A `check` for the common case: this status, and optionally this header value. */
export const expectAnswer =
  (status: number, header?: [name: string, value: string]) =>
  (response: Response, i: number): void => {
    if (response.status !== status) throw new Error(`request ${i}: HTTP ${response.status}, expected ${status}`);
    if (header && response.headers.get(header[0]) !== header[1])
      throw new Error(`request ${i}: ${header[0]} is ${response.headers.get(header[0])}, expected ${header[1]}`);
  };
