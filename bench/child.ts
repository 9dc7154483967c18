// Runs one side of one case in a fresh process and prints its figures as JSON.
import { CASES, warmUp, type Side } from "./cases";
import type { PeerId } from "./peers";

const [name, side] = process.argv.slice(2);
const found = CASES.find((c) => c.name === name);
const run = side === "ours" || side === "baseline" ? found?.[side] : found?.peers?.[side as PeerId];
if (!found || !run) throw new Error(`unknown case ${name} ${side}`);

await found.prepare?.(side as Side);
await warmUp();
const rssBefore = process.memoryUsage().rss;
// The first run at this size sets the peak; maxRSS (KiB) tells how far memory rose above the start.
const first = await run();
const peakGrowth = Math.max(0, process.resourceUsage().maxRSS * 1024 - rssBefore);
// Steady state, as in a Worker isolate that has served a few requests: the JIT needs a few
// hundred runs of a sub-millisecond case before its optimised code is in place.
const WARM_MS = 1000;
const WARM_RUNS = 500;
for (let runs = 0, started = performance.now(); runs < WARM_RUNS && performance.now() - started < WARM_MS; runs++) await run();
const times: number[] = [];
for (let i = 0; i < found.iterations; i++) {
  const started = performance.now();
  await run();
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
const bytes = typeof first === "string" ? new TextEncoder().encode(first).length : first.length;
console.log(JSON.stringify({ medianMs: times[Math.floor(times.length / 2)]!, bytes, peakGrowthBytes: peakGrowth }));
