// `npm run bench` (`-- --json` for one JSON object): our figures beside the baseline, same run.
import { spawnSync } from "node:child_process";
import { CASES } from "./cases";

interface Figures {
  medianMs: number;
  bytes: number;
  peakGrowthBytes: number;
}

function measure(name: string, side: "ours" | "baseline"): Figures {
  const child = spawnSync(process.execPath, [...process.execArgv, new URL("./child.ts", import.meta.url).pathname, name, side], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) throw new Error(`${name} (${side}) failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as Figures;
}

const MB = 1024 * 1024;
const rows = CASES.map((c) => {
  const ours = measure(c.name, "ours");
  const baseline = measure(c.name, "baseline");
  return {
    name: c.name,
    ours,
    baseline,
    speedup: baseline.medianMs / ours.medianMs,
    bytesRatio: ours.bytes / baseline.bytes,
  };
});
const byName = (name: string) => rows.find((r) => r.name === name)!;

const targets = [
  { target: "plain png 500px at least 20x faster than baseline", pass: byName("plain png 500px").speedup >= 20, value: `${byName("plain png 500px").speedup.toFixed(1)}x` },
  { target: "plain png 500px at most 1/10 of baseline bytes", pass: byName("plain png 500px").bytesRatio <= 0.1, value: `${(1 / byName("plain png 500px").bytesRatio).toFixed(1)}x smaller` },
  { target: "styled png 500px faster than baseline full-frame resvg", pass: byName("styled png 500px").speedup > 1, value: `${byName("styled png 500px").speedup.toFixed(2)}x` },
  { target: "plain png 5000px under 100 ms", pass: byName("plain png 5000px").ours.medianMs < 100, value: `${byName("plain png 5000px").ours.medianMs.toFixed(1)} ms` },
  {
    target: "styled png 5000px peak memory growth under 64 MB",
    pass: byName("styled png 5000px").ours.peakGrowthBytes < 64 * MB,
    value: `${(byName("styled png 5000px").ours.peakGrowthBytes / MB).toFixed(1)} MB`,
  },
];

if (process.argv.includes("--json")) {
  console.log(
    JSON.stringify({
      machine: { node: process.version, cpus: (await import("node:os")).cpus().length },
      rows: rows.map((r) => ({
        name: r.name,
        medianMs: r.ours.medianMs,
        bytes: r.ours.bytes,
        peakMemoryBytes: r.ours.peakGrowthBytes,
        baseline: { medianMs: r.baseline.medianMs, bytes: r.baseline.bytes, peakMemoryBytes: r.baseline.peakGrowthBytes },
        ratioToBaseline: { speed: r.speedup, bytes: r.bytesRatio },
      })),
      targets,
    }),
  );
} else {
  const pad = (s: string, n: number) => s.padStart(n);
  console.log("Baseline: qrcode-svg SVG (styled rows: our SVG) rasterized full-frame by resvg with its own PNG encoder.\n");
  console.log(`${"case".padEnd(20)}${pad("ours ms", 10)}${pad("base ms", 10)}${pad("speedup", 9)}${pad("ours B", 10)}${pad("base B", 11)}${pad("bytes", 8)}${pad("ours peak", 11)}${pad("base peak", 11)}`);
  for (const r of rows)
    console.log(
      `${r.name.padEnd(20)}${pad(r.ours.medianMs.toFixed(3), 10)}${pad(r.baseline.medianMs.toFixed(3), 10)}${pad(`${r.speedup.toFixed(1)}x`, 9)}${pad(String(r.ours.bytes), 10)}${pad(String(r.baseline.bytes), 11)}${pad(r.bytesRatio.toFixed(3), 8)}${pad(`${(r.ours.peakGrowthBytes / MB).toFixed(1)} MB`, 11)}${pad(`${(r.baseline.peakGrowthBytes / MB).toFixed(1)} MB`, 11)}`,
    );
  console.log("\nTargets (this machine):");
  for (const t of targets) console.log(`  ${t.pass ? "PASS" : "FAIL"}  ${t.target}: ${t.value}`);
}
process.exitCode = targets.every((t) => t.pass) ? 0 : 1;
