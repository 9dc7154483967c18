// The message-QR limiter's figures (issue: "Exactly 5 requests per second per user"):
//   - latency: ListPhoneMessageQrdl end to end, and the part the caller's Durable Object adds
//     (the Worker's Server-Timing `gate` entry), p50/p99 over many signed requests;
//   - accuracy: rounds of 50 concurrent requests from one fresh AccessKey, each must admit exactly 5.
// `npx tsx bench/message-qrdl.ts [--json]` starts its own wrangler dev; bench/run.ts can call
// runMessageQrdlBench with a Worker whose env has ACCESS_KEY_ENCRYPTION_KEY.
import { pathToFileURL } from "node:url";
import { canonicalRequest, hmacHex, stringToSign } from "../src/auth/signature-v3";
import { sha256Hex } from "../src/lib/hex";

export interface MessageQrdlFigures {
  requests: number;
  actionP50Ms: number;
  actionP99Ms: number;
  gateP50Ms: number;
  gateP99Ms: number;
  rounds: number;
  concurrency: number;
  /** admitted requests per round; every entry should be 5 */
  admittedPerRound: number[];
  exact: boolean;
}

const LATENCY_REQUESTS = 400;
const KEYS = 40;
const ROUNDS = 10;
const CONCURRENCY = 50;

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

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

  // Latency: sequential requests round-robin over KEYS keys, so no key nears 5 per second.
  log(`message-qrdl: ${LATENCY_REQUESTS} signed requests over ${KEYS} AccessKeys`);
  const action: number[] = [];
  const gate: number[] = [];
  for (let i = 0; i < LATENCY_REQUESTS + 40; i++) {
    const request = await signedList(baseUrl, keys[i % KEYS]!, phone);
    const started = performance.now();
    const res = await fetch(request);
    const body = (await res.json()) as { Code: string };
    const elapsed = performance.now() - started;
    if (body.Code !== "OK") throw new Error(`request ${i}: ${JSON.stringify(body)}`);
    if (i < 40) continue; // warm-up: every key's Durable Object created once
    action.push(elapsed);
    gate.push(Number(/gate;dur=([\d.]+)/.exec(res.headers.get("server-timing") ?? "")?.[1] ?? Number.NaN));
  }
  action.sort((a, b) => a - b);
  gate.sort((a, b) => a - b);

  // Accuracy: a fresh key per round, 50 signed requests at once.
  const admittedPerRound: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const key = await issue();
    const requests = await Promise.all(Array.from({ length: CONCURRENCY }, () => signedList(baseUrl, key, phone)));
    const codes = await Promise.all(requests.map(async (r) => ((await (await fetch(r)).json()) as { Code: string }).Code));
    const unexpected = codes.filter((c) => c !== "OK" && c !== "System.LimitControl");
    if (unexpected.length) throw new Error(`round ${round}: unexpected codes ${unexpected.join(", ")}`);
    admittedPerRound.push(codes.filter((c) => c === "OK").length);
  }
  log(`message-qrdl: admitted per round ${admittedPerRound.join(", ")}`);
  return {
    requests: LATENCY_REQUESTS,
    actionP50Ms: quantile(action, 0.5),
    actionP99Ms: quantile(action, 0.99),
    gateP50Ms: quantile(gate, 0.5),
    gateP99Ms: quantile(gate, 0.99),
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
    admittedPerRound,
    exact: admittedPerRound.every((n) => n === 5),
  };
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
      console.log(`${figures.rounds} rounds of ${figures.concurrency} concurrent requests: admitted ${figures.admittedPerRound.join(", ")} (${figures.exact ? "exactly 5 every round" : "NOT exact"})`);
    }
  } finally {
    await worker.stop();
  }
}
