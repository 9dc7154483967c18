// `npm test`: build the console when stale, typecheck (Worker, Node, console), prove the Worker
// bundles for deployment (console assets included), then every test (Node + workerd + Chromium).
import { spawnSync } from "node:child_process";

const steps = [
  // First: the worker tests serve console/dist (ASSETS) and wrangler bundles it; skipped when fresh.
  ["console build (when stale)", "node", ["scripts/build-console.mjs"]],
  ["typecheck (worker)", "npx", ["tsc", "--noEmit", "-p", "tsconfig.json"]],
  ["typecheck (node)", "npx", ["tsc", "--noEmit", "-p", "tsconfig.node.json"]],
  ["typecheck (console)", "npx", ["tsc", "--noEmit", "-p", "console/tsconfig.json"]],
  ["bundle (wrangler deploy --dry-run)", "npx", ["wrangler", "deploy", "--dry-run", "--outdir", "dist"]],
  ["tests (vitest: unit in Node, worker in workerd)", "npx", ["vitest", "run", ...process.argv.slice(2)]],
];

for (const [name, command, args] of steps) {
  console.log(`\n▶ ${name}`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`✗ ${name} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
  console.log(`✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
