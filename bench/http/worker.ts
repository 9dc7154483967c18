// A real local Worker for the HTTP benchmark: `wrangler dev` (workerd) on a free loopback port,
// with its own D1/KV/R2 state in a fresh temporary directory that is removed when it stops.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// wrangler's own entry point under this Node (22+ through scripts/with-node.sh): no npx layer
// between us and the signal that stops it.
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;

export interface LocalWorker {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** `127.0.0.1:<port>`: what SDKs that take a host (the Alibaba Cloud SDK's `endpoint`) want. */
  endpoint: string;
  adminToken: string;
  /** The end of wrangler dev's output (warnings, errors and the Worker's console.warn/error). */
  logTail(): string;
  /** Runs SQL against the Worker's local D1 (`wrangler d1 execute DB --local --file`). */
  executeSql(sql: string): void;
  stop(): Promise<void>;
}

/** A loopback port nothing listens on right now (the OS picks it). */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });

// No telemetry or update checks: the machine reaches only loopback.
const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", NO_COLOR: "1" };

function wranglerSync(args: string[], what: string): void {
  const result = spawnSync(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env: wranglerEnv, encoding: "utf8", maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${(result.stderr || result.stdout).slice(-4000)}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Kills the dev server's whole process group (wrangler and its workerd), which we started. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Bundles the Worker once, applies the migrations to a fresh state directory, starts `wrangler
 * dev` on both and waits for /health. ADMIN_TOKEN comes from an env file of ours, so the
 * repository's .dev.vars is not read.
 */
export async function startLocalWorker(): Promise<LocalWorker> {
  const dir = mkdtempSync(join(tmpdir(), "edge-qr-bench-"));
  const persist = join(dir, "state");
  const bundle = join(dir, "bundle");
  const adminToken = randomBytes(24).toString("hex");
  const envFile = join(dir, "bench.env");
  // Secrets of this run only: the admin token, and a fresh key for sealing AccessKey secrets.
  writeFileSync(envFile, `ADMIN_TOKEN=${adminToken}\nACCESS_KEY_ENCRYPTION_KEY=${randomBytes(32).toString("base64")}\nBENCH_ROUTES=1\n`, { mode: 0o600 });
  const log = join(dir, "wrangler.log");
  let child: ChildProcess | undefined;
  // The server is in its own process group, so a Ctrl-C in the terminal does not reach it: stop
  // it on our way out, however we leave.
  const killOnExit = () => child && killGroup(child, "SIGKILL");
  const onSignal = (signal: NodeJS.Signals) => {
    killOnExit();
    rmSync(dir, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  process.once("exit", killOnExit);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const stop = async () => {
    if (child) {
      const exited = new Promise((resolve) => (child!.exitCode !== null || child!.signalCode !== null ? resolve(null) : child!.once("exit", resolve)));
      killGroup(child, "SIGTERM");
      if ((await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)])) === false) {
        killGroup(child, "SIGKILL");
        await exited;
      }
    }
    process.off("exit", killOnExit);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // A snapshot of the Worker as it is now: wrangler dev watches its sources, and a rebuild in the
    // middle of a run (someone saving a file) would mix two Workers in one set of figures.
    wranglerSync(["deploy", "--dry-run", "--outdir", bundle], "wrangler deploy --dry-run (bundling the Worker)");
    wranglerSync(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], "wrangler d1 migrations apply");
    const [port, inspectorPort] = [await freePort(), await freePort()];
    const baseUrl = `http://127.0.0.1:${port}`;
    const out = openSync(log, "a");
    child = spawn(
      process.execPath,
      [
        WRANGLER,
        "dev",
        join(bundle, "index.js"),
        "--no-bundle",
        // Named explicitly: with a script outside the project, wrangler would not find the bindings.
        "--config", join(ROOT, "wrangler.toml"),
        "--ip", "127.0.0.1",
        "--port", String(port),
        "--inspector-port", String(inspectorPort),
        "--persist-to", persist,
        "--env-file", envFile,
        "--log-level", "warn",
        "--show-interactive-dev-session=false",
      ],
      // Its own process group, so stop() reaches workerd too; output to a file, never a full pipe.
      { cwd: ROOT, env: wranglerEnv, stdio: ["ignore", out, out], detached: true },
    );
    closeSync(out);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
      // A build or config error leaves wrangler dev waiting for a fix: fail now, not at the timeout.
      if (/\[ERROR\]/.test(readFileSync(log, "utf8").replace(/\x1b\[[0-9;]*m/g, ""))) throw new Error("wrangler dev reported an error");
      try {
        const health = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
        await health.arrayBuffer();
        if (health.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`wrangler dev not ready after ${READY_TIMEOUT_MS / 1000} s`);
      await sleep(300);
    }
    let batch = 0;
    return {
      baseUrl,
      endpoint: new URL(baseUrl).host,
      adminToken,
      logTail: () => readLogTail(log),
      executeSql(sql) {
        const file = join(dir, `seed-${++batch}.sql`);
        writeFileSync(file, sql);
        wranglerSync(["d1", "execute", "DB", "--local", "--persist-to", persist, "--file", file, "--yes"], "wrangler d1 execute");
      },
      stop,
    };
  } catch (err) {
    const tail = readLogTail(log);
    await stop();
    throw new Error(`${(err as Error).message}${tail ? `\n--- wrangler dev log (tail) ---\n${tail}` : ""}`);
  }
}

const readLogTail = (log: string) => (existsSync(log) ? readFileSync(log, "utf8").replace(/\x1b\[[0-9;]*m/g, "").slice(-3000).trim() : "");

/** Starts a Worker, hands it to `use`, and always stops it and removes its state. */
export async function withLocalWorker<T>(use: (worker: LocalWorker) => Promise<T>): Promise<T> {
  const worker = await startLocalWorker();
  try {
    return await use(worker);
  } catch (err) {
    const tail = worker.logTail();
    throw new Error(`${(err as Error).message}${tail ? `\n--- wrangler dev log (tail) ---\n${tail}` : ""}`, { cause: err });
  } finally {
    await worker.stop();
  }
}
