// `qr-code/image` latency, p50 and p99: every waiting screen polls it. Against a real local Worker
// (`wrangler dev`, fresh state): one screen polling alone, then 16 screens (16 instances) at once,
// beside `status` (the same credentials check and Durable Object call, no image) and the raw
// `qr-code`, so the image's own share is visible.
//
//   sh scripts/with-node.sh npx tsx bench/pairing.ts [--json]
//
// `pairingSuite` is an HttpSuite: adding it to HTTP_SUITES (bench/http/cases.ts) puts these rows
// in `npm run bench` with no other change.
import { fileURLToPath } from "node:url";
import type { HttpCase, HttpSuite } from "./http/cases";
import { expectAnswer, runLoad, summarize } from "./http/load";
import { withLocalWorker, type LocalWorker } from "./http/worker";

const SCREENS = 16;

interface Instance {
  path: string;
  clientToken: string;
}

async function admin(worker: LocalWorker, path: string, body?: unknown): Promise<Record<string, any>> {
  const response = await fetch(worker.baseUrl + path, {
    method: "POST",
    headers: { Authorization: `Bearer ${worker.adminToken}`, "Content-Type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, any>;
}

async function seedInstances(worker: LocalWorker, count: number): Promise<Instance[]> {
  const org = await admin(worker, "/admin/organizations", { name: "Pairing bench" });
  const clientToken = (await admin(worker, `/admin/organizations/${org.id}/pairing/client-token`)).secret as string;
  const instances: Instance[] = [];
  for (let i = 0; i < count; i++) {
    // A pause would turn the answers into 409s: a run spans a few 20-second rotations.
    const created = await admin(worker, `/admin/organizations/${org.id}/pairing/instances`, { name: `Screen ${i}`, pauseAfter: 100 });
    instances.push({ path: `/instances/${created.instance.id}/token/${created.secret}`, clientToken });
  }
  return instances;
}

const poll = (instances: Instance[], what: string) => (i: number) => {
  const instance = instances[i % instances.length]!;
  return { path: `${instance.path}/${what}`, headers: { "Client-Token": instance.clientToken } };
};

export const pairingSuite: HttpSuite = {
  name: "pairing",
  rounds: 3,
  async prepare(worker): Promise<HttpCase[]> {
    const instances = await seedInstances(worker, SCREENS);
    const one = instances.slice(0, 1);
    const ok = expectAnswer(200);
    return [
      { name: "pairing status, 1 screen", load: { count: 600, concurrency: 1, warmUp: 30, request: poll(one, "status"), check: ok } },
      { name: "pairing qr-code, 1 screen", baseline: "pairing status, 1 screen", load: { count: 600, concurrency: 1, warmUp: 30, request: poll(one, "qr-code"), check: ok } },
      { name: "pairing qr-code/image, 1 screen", baseline: "pairing status, 1 screen", load: { count: 600, concurrency: 1, warmUp: 30, request: poll(one, "qr-code/image"), check: ok } },
      {
        name: `pairing qr-code/image, ${SCREENS} screens`,
        baseline: "pairing qr-code/image, 1 screen",
        load: { count: 1600, concurrency: SCREENS, warmUp: SCREENS, request: poll(instances, "qr-code/image"), check: ok },
      },
    ];
  },
};

async function main(json: boolean): Promise<void> {
  const rows = await withLocalWorker(async (worker) => {
    const cases = await pairingSuite.prepare(worker);
    const runs = cases.map(() => [] as Awaited<ReturnType<typeof runLoad>>[]);
    for (let index = 0; index < (pairingSuite.rounds ?? 1); index++)
      for (const [k, c] of cases.entries()) runs[k]!.push(await runLoad(worker.baseUrl, c.load, { index, of: pairingSuite.rounds ?? 1 }));
    return cases.map((c, k) => ({ name: c.name, ...summarize(runs[k]!, c.load.concurrency) }));
  });
  if (json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`${"case".padEnd(width)}  requests  p50 ms  p99 ms   req/s`);
  for (const r of rows)
    console.log(`${r.name.padEnd(width)}  ${String(r.requests).padStart(8)}  ${r.medianMs.toFixed(2).padStart(6)}  ${r.p99Ms.toFixed(2).padStart(6)}  ${r.requestsPerSecond.toFixed(0).padStart(6)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main(process.argv.includes("--json"));
