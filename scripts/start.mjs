// `npm start [-- --verbose]`: a working local instance from a fresh clone. Local D1, KV and R2
// persist under .wrangler/state. Steps: make sure .dev.vars has ADMIN_TOKEN and
// ACCESS_KEY_ENCRYPTION_KEY, apply migrations, start `wrangler dev`, wait for /health, then create
// the demo organization once and print its credentials, the console URL and the demo user's
// console sign-in among them (also saved to
// .wrangler/demo-credentials.txt, and as shell variables to .wrangler/demo.env for the README's
// examples; git ignores both).
//
// The screen gets one line per step, then the URLs and credentials (scripts/start-screen.mjs);
// wrangler's own output (migration tables, banner, binding lists, request log) goes to
// .wrangler/start.log, or to the screen as well with --verbose.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildConsole } from "./build-console.mjs";
import { consoleLine, DEMO_ENV, demoEnv, demoEnvLine, demoScreen, migrationSummary, stepLine, urlLine, withBase } from "./start-screen.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DEV_VARS = join(ROOT, ".dev.vars");
const SAVED = ".wrangler/demo-credentials.txt";
const LOG = ".wrangler/start.log";
const READY_TIMEOUT_MS = 60_000;

let verbose = false;
try {
  verbose = parseArgs({ args: process.argv.slice(2), options: { verbose: { type: "boolean", short: "v" } } }).values.verbose ?? false;
} catch (error) {
  console.error(`start: ${error.message}\nUsage: npm start [-- --verbose]   (--verbose: wrangler's output on screen too, not only in ${LOG})`);
  process.exit(2);
}

const port = process.env.PORT ?? "8787";
const host = process.env.HOST ?? "127.0.0.1";
const localHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
const base = `http://${localHost}:${port}`;
const say = (line = "") => console.log(line);

// Run wrangler's own entry point under this Node (no npx layer between us and signals).
const wranglerJs = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const wrangler = (args) => (existsSync(wranglerJs) ? [process.execPath, [wranglerJs, ...args]] : ["npx", ["wrangler", ...args]]);
// A local instance needs no network: no Request.cf download from workers.cloudflare.com (offline it
// failed with a getaddrinfo stack trace; the Worker then sees a placeholder `cf`, as it would
// anyway) and no telemetry. A value the user set wins.
const wranglerEnv = { CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", ...process.env };

mkdirSync(join(ROOT, ".wrangler"), { recursive: true });
const logFile = createWriteStream(join(ROOT, LOG), { flags: "w", mode: 0o600 });
const logLines = [];
/** Everything wrangler prints: to the log file, the last lines kept for a failure, the screen with --verbose. */
function capture(child) {
  for (const [stream, screen] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
    let partial = "";
    stream.on("data", (chunk) => {
      logFile.write(chunk);
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop();
      logLines.push(...lines);
      if (logLines.length > 400) logLines.splice(0, logLines.length - 400);
      if (verbose) screen.write(chunk);
    });
    stream.on("end", () => partial && logLines.push(partial));
  }
}
const plain = (line) => line.replace(/\x1b\[[0-9;]*m/g, "");
/** The end of wrangler's output, shown when a step fails (the whole of it is in the log). */
function showTail(lines = 15) {
  if (verbose) return;
  say(`    the end of ${LOG}:`);
  for (const line of logLines.map(plain).filter((l) => l.trim()).slice(-lines)) say(`    | ${line}`);
}

say(`edge-qr: a local instance; wrangler's output is in ${LOG}${verbose ? " and below" : " (npm start -- --verbose shows it here)"}`);

// (a) Secrets in .dev.vars: generated once, never overwritten (a new ACCESS_KEY_ENCRYPTION_KEY
// would orphan every AccessKey secret sealed under the old one).
{
  const read = () => (existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : "");
  const generated = [];
  for (const [name, make] of [
    ["ADMIN_TOKEN", () => randomBytes(32).toString("hex")],
    ["ACCESS_KEY_ENCRYPTION_KEY", () => randomBytes(32).toString("base64")],
  ]) {
    const current = read();
    if (new RegExp(`^\\s*${name}\\s*=\\s*\\S`, "m").test(current)) continue;
    appendFileSync(DEV_VARS, `${current && !current.endsWith("\n") ? "\n" : ""}${name}=${make()}\n`, { mode: 0o600 });
    generated.push(name);
  }
  say(stepLine(true, "secrets", generated.length ? `.dev.vars: generated ${generated.join(" and ")} (keep the file private)` : ".dev.vars has ADMIN_TOKEN and ACCESS_KEY_ENCRYPTION_KEY"));
}
const token = readFileSync(DEV_VARS, "utf8").match(/^\s*ADMIN_TOKEN\s*=\s*(.*?)\s*$/m)[1].replace(/^(["'])(.*)\1$/, "$2");

// (b) Migrations.
{
  const [cmd, args] = wrangler(["d1", "migrations", "apply", "DB", "--local"]);
  const child = spawn(cmd, args, { cwd: ROOT, env: wranglerEnv, stdio: ["ignore", "pipe", "pipe"] });
  const from = logLines.length;
  capture(child);
  const code = await new Promise((resolve) => child.on("close", (status, signal) => resolve(status ?? (signal ? 1 : 0))));
  if (code !== 0) {
    say(stepLine(false, "database", `wrangler d1 migrations apply failed (exit ${code})`));
    showTail();
    await new Promise((resolve) => logFile.end(resolve));
    process.exit(code);
  }
  say(stepLine(true, "database", `migrations ${migrationSummary(logLines.slice(from).join("\n")) ?? "applied"} (local D1 under .wrangler/state)`));
}

// (b2) The console (console/ → console/dist), rebuilt only when its sources changed since the last
// build; wrangler's [build] command runs the same check again, and finds it fresh.
try {
  say(stepLine(true, "console", buildConsole({ quiet: true }) ? "built console/dist (vite build)" : "console/dist is up to date"));
} catch (error) {
  say(stepLine(false, "console", error.message));
  await new Promise((resolve) => logFile.end(resolve));
  process.exit(1);
}

// (c) The dev server. Ctrl-C reaches it directly (same process group); other signals sent only to
// us are forwarded. We exit when it does.
const started = Date.now();
const [cmd, args] = wrangler(["dev", "--port", port, "--ip", host, "--show-interactive-dev-session=false"]);
const dev = spawn(cmd, args, { cwd: ROOT, env: wranglerEnv, stdio: ["ignore", "pipe", "pipe"] });
capture(dev);
let devExited = false;
let ready = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (!devExited) dev.kill(signal);
  });
}
dev.on("close", (code, signal) => {
  devExited = true;
  if (!ready) {
    say(stepLine(false, "server", `wrangler dev exited (${signal ?? `code ${code}`}) before it answered`));
    showTail();
  }
  logFile.end(() => process.exit(code ?? (signal ? 0 : 1)));
});

// (d) Wait for /health. A build or config error leaves wrangler dev waiting for a fix: say so now.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitForHealth() {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !devExited) {
    if (logLines.some((line) => plain(line).includes("[ERROR]"))) return "error";
    try {
      const response = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return "ready";
    } catch {
      // not listening yet
    }
    await sleep(300);
  }
  return devExited ? "exited" : "timeout";
}

async function api(method, path) {
  const response = await fetch(base + path, { method, headers: { Authorization: `Bearer ${token}`, Accept: "application/json" } });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: { message: text.slice(0, 300) } };
  }
  return { status: response.status, ok: response.ok, body };
}

async function servedPaths() {
  try {
    const response = await fetch(`${base}/openapi.json`);
    return new Set(Object.keys((await response.json()).paths ?? {}));
  } catch {
    return new Set();
  }
}

const health = await waitForHealth();
if (health === "error") {
  say(stepLine(false, "server", "wrangler dev reported an error; it keeps running and rebuilds when a file changes"));
  showTail();
  say(`    once it answers, create the demo organization with: npm run admin -- demo`);
} else if (health === "timeout") {
  say(stepLine(false, "server", `${base}/health did not answer 200 within ${READY_TIMEOUT_MS / 1000} s; the server keeps running (see ${LOG})`));
  say(`    create the demo organization later with: npm run admin -- demo`);
} else if (health === "ready") {
  ready = true;
  say(stepLine(true, "server", `wrangler dev ready in ${((Date.now() - started) / 1000).toFixed(1)} s`));
  try {
    const { status, ok, body } = await api("POST", "/admin/demo");
    if (status === 201 && body.created) {
      const block = demoScreen(body, { base, paths: await servedPaths(), createdAt: new Date().toISOString() });
      writeFileSync(join(ROOT, SAVED), `${block.join("\n")}\n`, { mode: 0o600 });
      writeFileSync(join(ROOT, DEMO_ENV), demoEnv(body, base), { mode: 0o600 });
      say(stepLine(true, "demo", `organization created; this screen is also in ${SAVED}`));
      say();
      for (const line of block) say(line);
    } else if (ok && body.created === false) {
      const saved = existsSync(join(ROOT, SAVED));
      // The secrets are the first start's; the address is this one's (PORT may differ).
      const env = join(ROOT, DEMO_ENV);
      const hasEnv = existsSync(env);
      if (hasEnv) writeFileSync(env, withBase(readFileSync(env, "utf8"), base), { mode: 0o600 });
      say(stepLine(true, "demo", `organization ${body.organization?.id} exists (created on the first start)`));
      say();
      say(urlLine(base));
      say(consoleLine(base, hasEnv ? readFileSync(env, "utf8").match(/^export CONSOLE_EMAIL='([^']*)'$/m)?.[1] : undefined));
      say(
        saved
          ? ` Credentials  cat ${SAVED}   (shown on the first start)`
          : " Credentials  shown once on the first start, not saved here: new ones with npm run admin -- user rotate-key / devkey reissue",
      );
      if (hasEnv) say(demoEnvLine());
      say(` Admin CLI    npm run admin -- org list${base === "http://127.0.0.1:8787" ? "" : ` --url ${base}`}   (ADMIN_TOKEN in .dev.vars)`);
    } else {
      const error = body.error ?? {};
      say(stepLine(false, "demo", `HTTP ${status} ${error.code ?? ""} ${error.message ?? ""}${error.requestId ? ` (requestId ${error.requestId})` : ""}; the server keeps running`));
      say();
      say(urlLine(base));
    }
  } catch (error) {
    if (!devExited) say(stepLine(false, "demo", `${error?.cause?.message ?? error?.message}; the server keeps running`));
  }
  say();
  say(` Running. Requests and errors: ${LOG} (tail -f it). Ctrl-C stops the server.`);
}
