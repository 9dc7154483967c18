// Builds the web console (console/, a Vite + Preact app) into console/dist when it is stale, so
// `npm start`, `npm test`, the vitest worker project and `wrangler deploy` ([build] in
// wrangler.toml) all serve what the sources say without anyone remembering to build.
//
// Stale means: the SHA-256 over every console source file, src/qr (the designer bundles the
// engine), openapi.json (the console's client types come from it), package-lock.json (Vite, Preact and Scalar's versions) and this script
// differs from the one in the stamp file the last build left in console/dist. Whole-tree hashing
// takes a few milliseconds; a build takes seconds, so a fresh tree costs nothing.
//
// The output is laid out as the Worker's URLs are: console/dist/console/… answers /console/…
// (Workers Static Assets maps the directory to paths one to one). Scalar's standalone API
// reference is copied beside the reference page (console/public/reference/) from node_modules at
// build time: served from our own origin, never a CDN.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CONSOLE = join(ROOT, "console");
const OUT = join(CONSOLE, "dist");
const STAMP = join(OUT, ".build-stamp");
// Held while one process checks and builds: vitest, wrangler's [build] and npm test may all ask at
// once (and Vite refuses a second build of the same project while one runs).
const LOCK = join(OUT, ".build-lock");
const LOCK_STALE_MS = 5 * 60_000;
const SCALAR = join(ROOT, "node_modules/@scalar/api-reference/dist/browser/standalone.js");

/** Every file under `dir` except build output and dependencies, sorted so the hash is stable. */
function filesUnder(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "dist" || entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...filesUnder(path));
    else if (entry.isFile()) files.push(path);
  }
  return files.sort();
}

function sourceHash() {
  const hash = createHash("sha256");
  // src/qr is bundled into the designer (its preview is the download's engine), so it counts too.
  const inputs = [...filesUnder(CONSOLE), ...filesUnder(join(ROOT, "src/qr")), join(ROOT, "openapi.json"), join(ROOT, "package-lock.json"), fileURLToPath(import.meta.url)];
  for (const file of inputs) {
    if (!existsSync(file)) continue;
    hash.update(relative(ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Runs `work` holding the build lock: waits for another process's build, takes over a lock left by a crash. */
function withLock(work) {
  mkdirSync(OUT, { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      let age = 0;
      try {
        age = Date.now() - statSync(LOCK).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > LOCK_STALE_MS) rmSync(LOCK, { recursive: true, force: true });
      else sleep(200);
    }
  }
  try {
    return work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Builds console/dist unless it is fresh; true when it built. */
export function buildConsole(options = {}) {
  return withLock(() => buildUnlessFresh(options));
}

function buildUnlessFresh({ force = false, quiet = false }) {
  const hash = sourceHash();
  const built = existsSync(STAMP) && statSync(STAMP).isFile() ? readFileSync(STAMP, "utf8").trim() : "";
  if (!force && built === hash && existsSync(join(OUT, "console/index.html"))) {
    if (!quiet) console.log("console: up to date (console/dist)");
    return false;
  }
  if (!quiet) console.log("console: building (vite build) into console/dist");
  const vite = join(ROOT, "node_modules/vite/bin/vite.js");
  const result = spawnSync(process.execPath, [vite, "build", "--config", join(CONSOLE, "vite.config.ts"), "--logLevel", quiet ? "error" : "warn"], {
    cwd: ROOT,
    // Always the production build, whoever asks: Vite builds for the NODE_ENV it finds, and vitest
    // sets "test" (libraries keep their development code), so a build made from a test run would
    // be stamped fresh and served, and measured by the bench, as if it were the real one.
    env: { ...process.env, NODE_ENV: "production" },
    stdio: ["ignore", quiet ? "ignore" : "inherit", "inherit"],
  });
  if (result.status !== 0) throw new Error(`console: vite build failed (exit ${result.status ?? result.signal})`);
  copyFileSync(SCALAR, join(OUT, "console/reference/standalone.js"));
  // Files of ours in the assets directory that are not assets (wrangler reads .assetsignore there).
  writeFileSync(join(OUT, ".assetsignore"), ".build-stamp\n.build-lock\n.assetsignore\n");
  // Sources edited while Vite read them: the output matches neither hash, so leave no stamp and
  // the next call builds again.
  if (sourceHash() === hash) writeFileSync(STAMP, `${hash}\n`);
  else rmSync(STAMP, { force: true });
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    buildConsole({ force: process.argv.includes("--force") });
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
