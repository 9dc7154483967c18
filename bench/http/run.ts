// Runs every HTTP suite against one local Worker and turns baselines into ratios.
import { HTTP_SUITES } from "./cases";
import { runLoad, summarize, type LoadFigures, type LoadRun } from "./load";
import { runMessageQrdlBench, type MessageQrdlFigures } from "../message-qrdl";
import { withLocalWorker } from "./worker";

export interface HttpRow extends LoadFigures {
  name: string;
  baseline?: { name: string; medianMs: number; p99Ms: number; requestsPerSecond: number };
  compareBy?: "median" | "throughput";
  /** Items per request (a bulk call's codes), when more than one: ratios compare per item. */
  itemsPerRequest?: number;
  /** Median over the baseline's median (each per item), or requests per second over the baseline's (compareBy). */
  ratioToBaseline?: number;
}

export interface HttpFigures {
  rows: HttpRow[];
  /** The message-QR API's limiter: its added latency and its accuracy under concurrency. */
  messageQrdl: MessageQrdlFigures;
}

export async function runHttpBench(log: (line: string) => void = () => {}): Promise<HttpFigures> {
  return withLocalWorker(async (worker) => {
    log(`http: wrangler dev at ${worker.baseUrl}`);
    const rows: (HttpRow & { baselineName?: string })[] = [];
    for (const suite of HTTP_SUITES) {
      const started = performance.now();
      const cases = await suite.prepare(worker);
      log(`http: ${suite.name} seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      // In rounds, every case a part per round: a slow spell on the machine touches all of them.
      const rounds = suite.rounds ?? 1;
      const runs: LoadRun[][] = cases.map(() => []);
      for (let index = 0; index < rounds; index++) {
        for (let step = 0; step < cases.length; step++) {
          const k = suite.rotate ? (index + step) % cases.length : step;
          runs[k]!.push(await runLoad(worker.baseUrl, cases[k]!.load, { index, of: rounds }));
        }
      }
      for (const [k, c] of cases.entries())
        rows.push({ name: c.name, baselineName: c.baseline, compareBy: c.compareBy, ...(c.itemsPerRequest ? { itemsPerRequest: c.itemsPerRequest } : {}), ...summarize(runs[k]!, c.load.concurrency) });
    }
    const messageQrdl = await runMessageQrdlBench(worker.baseUrl, worker.adminToken, log);
    const withRatios = rows.map(({ baselineName, compareBy = "median", ...row }): HttpRow => {
      if (baselineName === undefined) return row;
      const base = rows.find((r) => r.name === baselineName);
      if (!base) throw new Error(`${row.name}: no case named ${baselineName} ran`);
      return {
        ...row,
        baseline: { name: base.name, medianMs: base.medianMs, p99Ms: base.p99Ms, requestsPerSecond: base.requestsPerSecond },
        compareBy,
        ratioToBaseline:
          compareBy === "median" ? row.medianMs / (row.itemsPerRequest ?? 1) / (base.medianMs / (base.itemsPerRequest ?? 1)) : row.requestsPerSecond / base.requestsPerSecond,
      };
    });
    return { rows: withRatios, messageQrdl };
  });
}
