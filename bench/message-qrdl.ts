// The message-QR limiter's figures (issue: "Exactly 5 requests per second per user"):
//   - latency: ListPhoneMessageQrdl end to end, and the part the caller's Durable Object adds
//     (the Worker's Server-Timing `gate` entry), p50/p99 over many signed requests;
//   - accuracy, judged by the limiter's own arrival times (X-Bench-Gate-At, sent only under
//     BENCH_ROUTES=1): over the whole run, never more than 5 admitted in any 1,000 ms per caller,
//     and no request refused while its window had room. Rounds of 50 concurrent requests from a
//     fresh AccessKey press on the limit; a round that reaches the limiter over more than a second
//     rightly admits more than 5, so "5 per round" is no target.
// `npx tsx bench/message-qrdl.ts [--json]` starts its own wrangler dev; bench/run.ts can call
// runMessageQrdlBench with a Worker whose env has ACCESS_KEY_ENCRYPTION_KEY.
import { pathToFileURL } from "node:url";
import { canonicalRequest, hmacHex, stringToSign } from "../src/auth/signature-v3";
import { sha256Hex } from "../src/lib/hex";
import { mostInAnyWindow, refusalsWithRoom } from "./rate-window";

export interface MessageQrdlFigures {
  requests: number;
  actionP50Ms: number;
  actionP99Ms: number;
  gateP50Ms: number;
  gateP99Ms: number;
  rounds: number;
  concurrency: number;
  /** admitted requests per round: 5, or more when a round reached the limiter over more than a second */
  admittedPerRound: number[];
  /** per round, the limiter's first to last arrival */
  roundSpreadMs: number[];
  /** callers (AccessKeys) and the requests they made over the whole run */
  callers: number;
  judgedRequests: number;
  /** the most admitted for one caller in any 1,000 ms of the limiter's clock; at most 5 */
  mostAdmittedInAnyWindow: number;
  /** requests refused while fewer than 5 were admitted in their window; none */
  refusedWithRoom: number;
}

const LATENCY_REQUESTS = 400;
const KEYS = 40;
const ROUNDS = 10;
const CONCURRENCY = 50;

const LIMIT = 5;
const WINDOW_MS = 1000;

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** The limiter's time for a request; the Worker sends it only when started with BENCH_ROUTES=1. */
function gateAt(res: Response): number {
  const at = Number(res.headers.get("x-bench-gate-at"));
  if (!Number.isSafeInteger(at) || at <= 0) throw new Error(`no X-Bench-Gate-At on a limiter's answer (${res.headers.get("x-bench-gate-at")}): is BENCH_ROUTES=1 set?`);
  return at;
}

interface Key {
  id: string;
  secret: string;
}

/** A request signed with signature V3 (src/auth/signature-v3.ts, the rules the SDK follows). */
async function signedList(baseUrl: string, key: Key, phone: string): Promise<Request> {
  const url = new URL(baseUrl);
  const body = `PhoneNumber=${phone}`;
  const headers: Record<string, string> = {
    host: url.host,
    "x-acs-action": "ListPhoneMessageQrdl",
    "x-acs-version": "2020-06-06",
    // Alibaba's signature wants UTC with Z, not the platform's +00:00 (lib/time).
    "x-acs-date": new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    "x-acs-signature-nonce": crypto.randomUUID(),
    "x-acs-content-sha256": await sha256Hex(body),
    "content-type": "application/x-www-form-urlencoded",
  };
  const signedHeaders = Object.keys(headers).sort();
  const canonical = canonicalRequest({ method: "POST", pathname: "/", query: new Map(), header: (n) => headers[n] ?? null, signedHeaders, hashedPayload: headers["x-acs-content-sha256"]! });
  const signature = await hmacHex(key.secret, await stringToSign(canonical));
  headers.Authorization = `ACS3-HMAC-SHA256 Credential=${key.id},SignedHeaders=${signedHeaders.join(";")},Signature=${signature}`;
  return new Request(`${baseUrl}/`, { method: "POST", headers, body });
}

export async function runMessageQrdlBench(baseUrl: string, adminToken: string, log: (line: string) => void = () => {}): Promise<MessageQrdlFigures> {
  const admin = async (path: string, body: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, { method: "POST", headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  const org = await admin("/admin/organizations", { name: "bench message-qrdl", whatsappEnabled: true });
  const phone = `4479${String(Date.now()).slice(-8)}`;
  await admin(`/admin/organizations/${org.id}/whatsapp-phone-numbers`, { phoneNumber: phone });
  const issue = async (): Promise<Key> => {
    const issued = await admin(`/admin/organizations/${org.id}/access-keys`, { name: "bench", actions: ["cams:ListPhoneMessageQrdl"] });
    return { id: issued.accessKeyId, secret: issued.accessKeySecret };
  };
  const keys = await Promise.all(Array.from({ length: KEYS }, issue));
  // Every answer of the run, by caller, on the limiter's clock.
  const arrivals = new Map<string, { admitted: number[]; refused: number[] }>();
  const judge = (key: Key, res: Response, code: string) => {
    const caller = arrivals.get(key.id) ?? { admitted: [], refused: [] };
    arrivals.set(key.id, caller);
    (code === "OK" ? caller.admitted : caller.refused).push(gateAt(res));
  };

  // Latency: sequential requests round-robin over KEYS keys, so no key nears 5 per second.
  log(`message-qrdl: ${LATENCY_REQUESTS} signed requests over ${KEYS} AccessKeys`);
  const action: number[] = [];
  const gate: number[] = [];
  for (let i = 0; i < LATENCY_REQUESTS + 40; i++) {
    const key = keys[i % KEYS]!;
    const request = await signedList(baseUrl, key, phone);
    const started = performance.now();
    const res = await fetch(request);
    const body = (await res.json()) as { Code: string };
    const elapsed = performance.now() - started;
    if (body.Code !== "OK") throw new Error(`request ${i}: ${JSON.stringify(body)}`);
    judge(key, res, body.Code);
    if (i < 40) continue; // warm-up: every key's Durable Object created once
    action.push(elapsed);
    gate.push(Number(/gate;dur=([\d.]+)/.exec(res.headers.get("server-timing") ?? "")?.[1] ?? Number.NaN));
  }
  action.sort((a, b) => a - b);
  gate.sort((a, b) => a - b);

  // Accuracy: a fresh key per round, 50 signed requests at once.
  const admittedPerRound: number[] = [];
  const roundSpreadMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const key = await issue();
    const requests = await Promise.all(Array.from({ length: CONCURRENCY }, () => signedList(baseUrl, key, phone)));
    const answers = await Promise.all(
      requests.map(async (r) => {
        const res = await fetch(r);
        return { res, code: ((await res.json()) as { Code: string }).Code };
      }),
    );
    const unexpected = answers.map((a) => a.code).filter((c) => c !== "OK" && c !== "System.LimitControl");
    if (unexpected.length) throw new Error(`round ${round}: unexpected codes ${unexpected.join(", ")}`);
    for (const { res, code } of answers) judge(key, res, code);
    admittedPerRound.push(answers.filter((a) => a.code === "OK").length);
    const times = answers.map((a) => gateAt(a.res));
    roundSpreadMs.push(Math.max(...times) - Math.min(...times));
  }
  log(`message-qrdl: admitted per round ${admittedPerRound.join(", ")}; limiter's arrival spread per round ${roundSpreadMs.join(", ")} ms`);
  const callers = [...arrivals.values()];
  return {
    requests: LATENCY_REQUESTS,
    actionP50Ms: quantile(action, 0.5),
    actionP99Ms: quantile(action, 0.99),
    gateP50Ms: quantile(gate, 0.5),
    gateP99Ms: quantile(gate, 0.99),
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
    admittedPerRound,
    roundSpreadMs,
    callers: callers.length,
    judgedRequests: callers.reduce((n, c) => n + c.admitted.length + c.refused.length, 0),
    mostAdmittedInAnyWindow: Math.max(...callers.map((c) => mostInAnyWindow(c.admitted, WINDOW_MS))),
    refusedWithRoom: callers.reduce((n, c) => n + refusalsWithRoom(c.admitted, c.refused, LIMIT, WINDOW_MS).length, 0),
  };
}

/** The limiter's targets for `npm run bench`: both sides of an exact window, on the limiter's clock. */
export function messageQrdlTargets(f: MessageQrdlFigures) {
  const rounds = `${f.rounds} rounds of ${f.concurrency} concurrent requests admitted ${f.admittedPerRound.join(", ")} (limiter's arrival spread ${f.roundSpreadMs.join(", ")} ms)`;
  return [
    {
      target: `message QR rate limit: never more than ${LIMIT} admitted in any ${WINDOW_MS.toLocaleString("en")} ms of the limiter's clock, per caller, over the whole run`,
      pass: f.mostAdmittedInAnyWindow <= LIMIT,
      value: `at most ${f.mostAdmittedInAnyWindow} over ${f.judgedRequests} requests from ${f.callers} callers; ${rounds}`,
    },
    {
      target: `message QR rate limit: no request refused while fewer than ${LIMIT} were admitted in its window`,
      pass: f.refusedWithRoom === 0,
      value: `${f.refusedWithRoom} such refusals; limiter adds p50 ${f.gateP50Ms.toFixed(1)} ms, p99 ${f.gateP99Ms.toFixed(1)} ms to a signed call (p50 ${f.actionP50Ms.toFixed(1)} ms, p99 ${f.actionP99Ms.toFixed(1)} ms)`,
    },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { startLocalWorker } = await import("./http/worker");
  const worker = await startLocalWorker();
  try {
    const figures = await runMessageQrdlBench(worker.baseUrl, worker.adminToken, (line) => console.error(`[bench] ${line}`));
    if (process.argv.includes("--json")) console.log(JSON.stringify(figures));
    else {
      console.log(`ListPhoneMessageQrdl, signed, ${figures.requests} requests: p50 ${figures.actionP50Ms.toFixed(1)} ms, p99 ${figures.actionP99Ms.toFixed(1)} ms`);
      console.log(`  of which the limiter (caller's Durable Object): p50 ${figures.gateP50Ms.toFixed(1)} ms, p99 ${figures.gateP99Ms.toFixed(1)} ms`);
      for (const t of messageQrdlTargets(figures)) console.log(`${t.pass ? "PASS" : "FAIL"}  ${t.target}: ${t.value}`);
    }
  } finally {
    await worker.stop();
  }
}
