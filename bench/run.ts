// `npm run bench` (`-- --json` for one JSON object, `-- --only engine|http` for one half, `-- --only archive`
// for the raw-scan archive's cost per million scans): our
// figures beside a baseline measured in the same run (and styled PNGs with a logo beside the
// libraries people use instead, bench/peers.ts). First the pure engine in Node, then HTTP
// against a real local Worker (wrangler dev, workerd).
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { deflateSync, inflateSync } from "node:zlib";
import { renderQrPng } from "../src/qr";
import { CASES, CONTENT, peerWithPngLogo, plain, withPngLogo, type Side } from "./cases";
import { runHttpBench, type HttpFigures, type HttpRow } from "./http/run";
import { messageQrdlTargets } from "./message-qrdl";
import { PEER_LABELS, PEERS, peerPng, preparePeers, readWithZbar, type PeerId, type PeerStatus } from "./peers";
import { agentBench, type AgentFigures } from "./user-agent";
import { browserEngineBench, browserEngineTargets } from "./browser-engine";
import { consoleBundleBench, consoleBundleTargets } from "./console-bundle";

interface Figures {
  medianMs: number;
  bytes: number;
  peakGrowthBytes: number;
}

interface Target {
  target: string;
  /** null: not measured on this machine (value says why), which fails nothing. */
  pass: boolean | null;
  value: string;
}

const json = process.argv.includes("--json");
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt === -1 ? null : process.argv[onlyAt + 1];
if (only !== null && only !== "engine" && only !== "http" && only !== "archive") throw new Error("--only takes engine, http or archive");
// Progress goes to stderr, so --json output stays one object on stdout.
const progress = (line: string) => console.error(`[bench] ${line}`);

// The raw-scan archive's cost per million scans (bench/archive-cost.ts): figures, not targets, so
// only on request.
if (only === "archive") {
  const { archiveCostBench, printArchiveCost } = await import("./archive-cost");
  const cost = await archiveCostBench(progress);
  if (json) console.log(JSON.stringify({ machine: { node: process.version, cpus: cpus().length }, archive: cost }));
  else printArchiveCost(cost);
  process.exit(0);
}

function measure(name: string, side: Side): Figures {
  const child = spawnSync(process.execPath, [...process.execArgv, new URL("./child.ts", import.meta.url).pathname, name, side], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) throw new Error(`${name} (${side}) failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as Figures;
}

/**
 * Both sides of a case, in `rounds` alternating pairs of processes (ours, baseline, ours, …),
 * each side keeping its least disturbed round (the lowest median). On a shared machine a burst of
 * other work during one process moved a close ratio by 10% from run to run; alternating exposes
 * both sides to the same drift, and the same estimator is applied to each.
 */
function measureAlternating(name: string, rounds: number): { ours: Figures; baseline: Figures } {
  let ours: Figures | null = null;
  let baseline: Figures | null = null;
  // The faster round's times; memory is the worst seen, since a peak is what a target bounds.
  const better = (kept: Figures | null, next: Figures): Figures => {
    if (kept === null) return next;
    const faster = next.medianMs < kept.medianMs ? next : kept;
    return { ...faster, peakGrowthBytes: Math.max(kept.peakGrowthBytes, next.peakGrowthBytes) };
  };
  for (let round = 0; round < rounds; round++) {
    ours = better(ours, measure(name, "ours"));
    baseline = better(baseline, measure(name, "baseline"));
  }
  return { ours: ours!, baseline: baseline! };
}

const MB = 1024 * 1024;

/** A second baseline's figures for one case, or why it has none. */
type PeerResult = { id: PeerId; figures: Figures; ahead: number } | { id: PeerId; notMeasured: string };

/** A peer that installed but fails to run costs its own rows, never the rest of the bench. */
function measurePeer(name: string, id: PeerId, ours: Figures): PeerResult {
  try {
    const figures = measure(name, id);
    return { id, figures, ahead: figures.medianMs / ours.medianMs };
  } catch (err) {
    const lines = (err as Error).message.split("\n");
    const reason = lines.find((line) => /Error\b/.test(line))?.trim() ?? lines[0]!;
    progress(`${PEER_LABELS[id]} failed on ${name}: ${reason}`);
    return { id, notMeasured: reason };
  }
}

async function engineBench() {
  const peerStatus = preparePeers(progress);
  if (!peerStatus.available) progress(`second baselines not measured: ${peerStatus.reason}`);
  const rows = CASES.map((c) => {
    progress(`engine: ${c.name}`);
    const { ours, baseline } = measureAlternating(c.name, c.rounds ?? 1);
    const peers = c.peers && peerStatus.available ? PEERS.map((id) => measurePeer(c.name, id, ours)) : [];
    return {
      name: c.name,
      rounds: c.rounds ?? 1,
      ours,
      baseline,
      speedup: baseline.medianMs / ours.medianMs,
      bytesRatio: ours.bytes / baseline.bytes,
      peers,
    };
  });
  const byName = (name: string) => rows.find((r) => r.name === name)!;
  const aheadOfPeer = (size: number): Target => {
    const row = byName(`styled png ${size}px, png logo`);
    const target = `styled png ${size}px with logo ahead of ${PEER_LABELS["qr-code-styling"]}`;
    const theirs = row.peers.find((p) => p.id === "qr-code-styling");
    if (!theirs || "notMeasured" in theirs) return { target, pass: null, value: `not measured: ${theirs?.notMeasured ?? (peerStatus.available ? "the case has no such side" : peerStatus.reason)}` };
    return { target, pass: theirs.ahead > 1, value: `${theirs.ahead.toFixed(2)}x (theirs ${theirs.figures.medianMs.toFixed(1)} ms, ours ${row.ours.medianMs.toFixed(1)} ms)` };
  };
  const targets: Target[] = [
    { target: "plain png 500px at least 20x faster than baseline", pass: byName("plain png 500px").speedup >= 20, value: `${byName("plain png 500px").speedup.toFixed(1)}x` },
    { target: "plain png 500px at most 1/10 of baseline bytes", pass: byName("plain png 500px").bytesRatio <= 0.1, value: `${(1 / byName("plain png 500px").bytesRatio).toFixed(1)}x smaller` },
    { target: "styled png 500px at least 4x faster than baseline full-frame resvg", pass: byName("styled png 500px").speedup >= 4, value: `${byName("styled png 500px").speedup.toFixed(2)}x` },
    { target: "styled png 5000px at least 3x faster than baseline full-frame resvg", pass: byName("styled png 5000px").speedup >= 3, value: `${byName("styled png 5000px").speedup.toFixed(2)}x` },
    ...[500, 5000].map((size) => ({
      target: `plain svg ${size}px no larger than node-qrcode's`,
      pass: byName(`plain svg ${size}px`).bytesRatio <= 1,
      value: `${byName(`plain svg ${size}px`).ours.bytes} / ${byName(`plain svg ${size}px`).baseline.bytes} bytes`,
    })),
    { target: "plain png 5000px under 100 ms", pass: byName("plain png 5000px").ours.medianMs < 100, value: `${byName("plain png 5000px").ours.medianMs.toFixed(1)} ms` },
    {
      target: "styled png 5000px peak memory growth under 64 MB",
      pass: byName("styled png 5000px").ours.peakGrowthBytes < 64 * MB,
      value: `${(byName("styled png 5000px").ours.peakGrowthBytes / MB).toFixed(1)} MB`,
    },
    // The worst logo a render can meet (1024 px, 512 KiB of entropy) and the worst upload (2048x2048 at the cap), scaled once.
    ...["styled png 5000px, worst logo", "logo upload, worst accepted"].map((name) => ({
      target: `${name}: peak memory growth under 64 MB`,
      pass: byName(name).ours.peakGrowthBytes < 64 * MB,
      value: `${(byName(name).ours.peakGrowthBytes / MB).toFixed(1)} MB, ${(byName(name).ours.medianMs / 1000).toFixed(2)} s`,
    })),
    await plainIdatTarget(),
    aheadOfPeer(500),
    aheadOfPeer(2000),
    await peerDecodes(peerStatus),
  ];
  return { rows, targets, peerStatus };
}
type EngineRows = Awaited<ReturnType<typeof engineBench>>["rows"];

/** The zlib stream of a PNG: its IDAT chunks' data, in order. */
function idatOf(png: Uint8Array): Uint8Array {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const parts: Uint8Array[] = [];
  for (let at = 8; at < png.length; at += 12 + view.getUint32(at))
    if (String.fromCharCode(...png.subarray(at + 4, at + 8)) === "IDAT") parts.push(png.subarray(at + 8, at + 8 + view.getUint32(at)));
  return Buffer.concat(parts);
}

/** Untimed (sizes are deterministic): a plain PNG's image data against zlib level 9 on the same raster. */
async function plainIdatTarget(): Promise<Target> {
  const rows: string[] = [];
  let pass = true;
  for (const size of [300, 500, 1000, 5000]) {
    const ours = idatOf((await renderQrPng(plain(size))).bytes);
    const zlib9 = deflateSync(inflateSync(ours), { level: 9 }).length;
    pass &&= ours.length <= 1.05 * zlib9;
    rows.push(`${size}px ${ours.length}/${zlib9} B (${(ours.length / zlib9).toFixed(3)}x)`);
  }
  return { target: "plain png IDAT within 5% of zlib level 9 (300, 500, 1000, 5000px)", pass, value: rows.join(", ") };
}

/** Once, untimed: zbar reads one image of each side, so the peer's figures are for a real code. */
async function peerDecodes(peerStatus: PeerStatus): Promise<Target> {
  const target = `styled png 500px, png logo: zbar reads ours and ${PEER_LABELS["qr-code-styling"]}'s`;
  if (!peerStatus.available) return { target, pass: null, value: `not measured: ${peerStatus.reason}` };
  const ours = readWithZbar((await renderQrPng(withPngLogo(500))).bytes);
  const theirs = readWithZbar(await peerPng("qr-code-styling", peerWithPngLogo(500)));
  if (ours === undefined || theirs === undefined) return { target, pass: null, value: "not measured: zbarimg is not installed (apt-get install zbar-tools)" };
  const verdict = (text: string | null) => (text === CONTENT ? "read" : text === null ? "no code found" : `read ${JSON.stringify(text.slice(0, 60))}`);
  return { target, pass: ours === CONTENT && theirs === CONTENT, value: `ours ${verdict(ours)}, theirs ${verdict(theirs)}` };
}

function httpTargets(rows: HttpRow[]): Target[] {
  const byName = (name: string) => rows.find((r) => r.name === name)!;
  const first = byName("download 500px styled, first render");
  const list = byName("list page 1");
  const redirect = byName("redirect /r/{token}");
  const fiveRules = byName("redirect with five rules");
  const singles = byName("1,000 single creates");
  return [
    {
      target: "redirect /r/{token}: at least 0.8x the requests per second of a constant 302",
      pass: redirect.ratioToBaseline! >= 0.8,
      value: `${redirect.ratioToBaseline!.toFixed(2)}x (${redirect.requestsPerSecond.toFixed(0)} req/s, p50 ${redirect.medianMs.toFixed(2)} ms, p99 ${redirect.p99Ms.toFixed(2)} ms)`,
    },
    // Issue 19: rules are evaluated at the edge from the redirect record, so five of them (every
    // one evaluated, two time windows among them) and UTM parameters must cost next to nothing.
    {
      target: "redirect with five rules and UTM: at least 0.9x the requests per second of a constant 302",
      pass: fiveRules.ratioToBaseline! >= 0.9,
      value: `${fiveRules.ratioToBaseline!.toFixed(2)}x (${fiveRules.requestsPerSecond.toFixed(0)} req/s, p50 ${fiveRules.medianMs.toFixed(2)} ms, p99 ${fiveRules.p99Ms.toFixed(2)} ms)`,
    },
    // Every request to wrangler dev carries about 10 ms of fixed cost (GET /health alone), so the
    // cache can at best remove the render; 2x is what it must at least buy on this machine.
    { target: "download 500px styled: cached at least 2x faster than first render (median)", pass: first.ratioToBaseline! >= 2, value: `${first.ratioToBaseline!.toFixed(1)}x` },
    { target: "list page 1 (10,000 codes) median under 50 ms on this machine", pass: list.medianMs < 50, value: `${list.medianMs.toFixed(2)} ms` },
    // One call's checks are the single create's; what it saves is the request and the D1 round trips per code.
    {
      target: "1,000 creates in one call: at least 5x faster per code than 1,000 single creates (median)",
      pass: singles.ratioToBaseline! >= 5,
      value: `${singles.ratioToBaseline!.toFixed(1)}x (one call ${(singles.baseline!.medianMs / 1000).toFixed(2)} s, a single create ${singles.medianMs.toFixed(1)} ms)`,
    },
    // Updates and deletes are batched as creates are (codes/bulk.ts: writeChanges), so the same bar.
    ...(["update", "delete"] as const).map((action) => {
      const single = byName(`1,000 single ${action}s`);
      return {
        target: `1,000 ${action}s in one call: at least 5x faster per code than 1,000 single ${action}s (median)`,
        pass: single.ratioToBaseline! >= 5,
        value: `${single.ratioToBaseline!.toFixed(1)}x (one call ${(single.baseline!.medianMs / 1000).toFixed(2)} s, a single ${action} ${single.medianMs.toFixed(1)} ms)`,
      };
    }),
  ];
}

const pad = (s: string, n: number) => s.padStart(n);

function printEngine(rows: EngineRows, peerStatus: PeerStatus): void {
  console.log("Engine (Node). Baseline: qrcode-svg SVG (styled rows: our SVG) rasterized full-frame by resvg with its own PNG encoder.\nMedians of each side's run; a case marked * ran alternating rounds and keeps each side's fastest.\n");
  console.log(`${"case".padEnd(32)}${pad("ours ms", 10)}${pad("base ms", 10)}${pad("speedup", 9)}${pad("ours B", 10)}${pad("base B", 11)}${pad("bytes", 8)}${pad("ours peak", 11)}${pad("base peak", 11)}`);
  for (const r of rows)
    console.log(
      `${(r.rounds > 1 ? `${r.name} *` : r.name).padEnd(32)}${pad(r.ours.medianMs.toFixed(3), 10)}${pad(r.baseline.medianMs.toFixed(3), 10)}${pad(`${r.speedup.toFixed(1)}x`, 9)}${pad(String(r.ours.bytes), 10)}${pad(String(r.baseline.bytes), 11)}${pad(r.bytesRatio.toFixed(3), 8)}${pad(`${(r.ours.peakGrowthBytes / MB).toFixed(1)} MB`, 11)}${pad(`${(r.baseline.peakGrowthBytes / MB).toFixed(1)} MB`, 11)}`,
    );
  console.log(`\nSecond baselines: ${PEERS.map((id) => PEER_LABELS[id]).join(", ")}, drawing the same design and PNG logo, PNG out.`);
  console.log("Ahead: their median over ours.\n");
  if (!peerStatus.available) {
    console.log(`  not measured: ${peerStatus.reason}`);
    return;
  }
  console.log(`${"case".padEnd(32)}${"peer".padEnd(36)}${pad("ours ms", 10)}${pad("peer ms", 10)}${pad("ahead", 8)}${pad("ours B", 10)}${pad("peer B", 10)}${pad("peer peak", 11)}`);
  for (const r of rows)
    for (const p of r.peers)
      console.log(
        `${r.name.padEnd(32)}${PEER_LABELS[p.id].padEnd(36)}${pad(r.ours.medianMs.toFixed(3), 10)}` +
          ("notMeasured" in p
            ? `  not measured: ${p.notMeasured}`
            : `${pad(p.figures.medianMs.toFixed(3), 10)}${pad(`${p.ahead.toFixed(2)}x`, 8)}${pad(String(r.ours.bytes), 10)}${pad(String(p.figures.bytes), 10)}${pad(`${(p.figures.peakGrowthBytes / MB).toFixed(1)} MB`, 11)}`),
      );
}

function printHttp(rows: HttpRow[]): void {
  console.log("HTTP against one local wrangler dev (workerd), Node fetch on loopback, full bodies read.");
  console.log("Ratio: median over the baseline's median (\"x\"), or req/s over the baseline's req/s (\"x req/s\").\n");
  console.log(`${"case".padEnd(38)}${pad("n", 5)}${pad("conc", 5)}${pad("median ms", 11)}${pad("p99 ms", 9)}${pad("req/s", 8)}  ${"baseline".padEnd(32)}${pad("ratio", 7)}`);
  for (const r of rows)
    console.log(
      `${r.name.padEnd(38)}${pad(String(r.requests), 5)}${pad(String(r.concurrency), 5)}${pad(r.medianMs.toFixed(2), 11)}${pad(r.p99Ms.toFixed(2), 9)}${pad(r.requestsPerSecond.toFixed(0), 8)}  ${(r.baseline?.name ?? "").padEnd(32)}${r.ratioToBaseline === undefined ? "" : pad(`${r.ratioToBaseline.toFixed(r.compareBy === "throughput" ? 2 : 1)}x${r.compareBy === "throughput" ? " req/s" : ""}`, 7)}`,
    );
}

function agentTargets(figures: AgentFigures): Target[] {
  return [
    {
      target: "64 KB user agent classified in under 1 ms (cache miss)",
      pass: figures.hostileMs < 1,
      value: `${figures.hostileMs.toFixed(3)} ms, ${figures.ratioToPrefix.toFixed(2)}x its 512-character prefix (${figures.prefixMs.toFixed(3)} ms); a phone's agent ${figures.phoneMs.toFixed(3)} ms; the old bingbot\\/.*preview pattern alone on it ${figures.oldPatternMs.toFixed(0)} ms`,
    },
  ];
}

const engine = only === "http" ? null : await engineBench();
if (engine) progress("engine: user agent classification");
const agents = engine ? agentBench() : null;
if (engine) progress("engine: the designer's preview in Chromium (src/qr/browser.ts)");
const browserEngine = engine ? await browserEngineBench() : null;
const consoleBundle = engine ? consoleBundleBench() : null;
// Not --json: the engine table is out before the Worker starts, whatever happens to the HTTP half.
if (engine && !json) printEngine(engine.rows, engine.peerStatus);
let http: HttpRow[] | null = null;
let messageQrdl: HttpFigures["messageQrdl"] | null = null;
let httpError: string | null = null;
if (only !== "engine") {
  try {
    ({ rows: http, messageQrdl } = await runHttpBench(progress));
  } catch (err) {
    httpError = (err as Error).message;
    console.error(`[bench] http failed: ${(err as Error).stack ?? httpError}`);
  }
}
const targets = [
  ...(engine?.targets ?? []),
  ...(agents ? agentTargets(agents) : []),
  ...(browserEngine ? browserEngineTargets(browserEngine) : []),
  ...(consoleBundle ? consoleBundleTargets(consoleBundle) : []),
  ...(http ? httpTargets(http) : []),
  ...(messageQrdl ? messageQrdlTargets(messageQrdl) : []),
  ...(httpError === null ? [] : [{ target: "HTTP bench ran to completion", pass: false, value: httpError.split("\n")[0]! }]),
];

if (json) {
  console.log(
    JSON.stringify({
      machine: { node: process.version, cpus: cpus().length },
      ...(engine && {
        rows: engine.rows.map((r) => ({
          name: r.name,
          medianMs: r.ours.medianMs,
          bytes: r.ours.bytes,
          peakMemoryBytes: r.ours.peakGrowthBytes,
          baseline: { medianMs: r.baseline.medianMs, bytes: r.baseline.bytes, peakMemoryBytes: r.baseline.peakGrowthBytes },
          ratioToBaseline: { speed: r.speedup, bytes: r.bytesRatio },
          ...(r.peers.length > 0 && {
            peers: r.peers.map((p) =>
              "notMeasured" in p
                ? { name: PEER_LABELS[p.id], notMeasured: p.notMeasured }
                : { name: PEER_LABELS[p.id], medianMs: p.figures.medianMs, bytes: p.figures.bytes, peakMemoryBytes: p.figures.peakGrowthBytes, ahead: p.ahead },
            ),
          }),
        })),
        ...(!engine.peerStatus.available && { secondBaselines: { notMeasured: engine.peerStatus.reason } }),
      }),
      ...(agents && { userAgents: agents }),
      ...(browserEngine && { browserEngine }),
      ...(http && { http: { server: "wrangler dev (workerd), local D1/KV/R2 in a fresh directory", rows: http, messageQrdl } }),
      ...(httpError !== null && { http: { error: httpError } }),
      targets,
    }),
  );
} else {
  if (engine && http) console.log("");
  if (http) printHttp(http);
  console.log(`\nTargets (this machine: ${cpus().length} cores, Node ${process.version}):`);
  for (const t of targets) console.log(`  ${t.pass === null ? "SKIP" : t.pass ? "PASS" : "FAIL"}  ${t.target}: ${t.value}`);
}
process.exitCode = targets.every((t) => t.pass !== false) ? 0 : 1;
