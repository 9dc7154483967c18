// Tools the project uses but cannot list in package.json (openapi-typescript needs TypeScript 5's
// compiler API; the bench's second baseline needs node-canvas, which compiles against cairo), so
// users' `npm ci` never fetches them. Each lives at exact versions in its own ignored folder under
// .tools/, installed on first use and again only when a pin changes.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const installedVersion = (directory, name) => {
  const manifest = join(directory, "node_modules", name, "package.json");
  return existsSync(manifest) ? JSON.parse(readFileSync(manifest, "utf8")).version : undefined;
};

/** Whether every package of `pinned` (name → exact version) is in `directory` at its version. */
export function pinnedInstalled(directory, pinned) {
  return Object.entries(pinned).every(([name, version]) => installedVersion(directory, name) === version);
}

/**
 * Installs `pinned` into `directory` with npm unless it is all there already; `announce` hears the
 * packages before npm starts (installs can take a minute). Throws with the end of npm's errors.
 */
export function installPinned(directory, pinned, announce) {
  if (pinnedInstalled(directory, pinned)) return;
  announce(Object.entries(pinned).map(([name, version]) => `${name}@${version}`).join(" "));
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, "package.json"), `${JSON.stringify({ private: true, dependencies: pinned }, null, 2)}\n`);
  const npm = spawnSync("npm", ["install", "--prefix", directory, "--no-audit", "--no-fund", "--loglevel=error"], {
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (npm.status !== 0) {
    const errors = (npm.stderr ?? "").trim().split("\n").slice(-15).join("\n");
    throw new Error(`npm install into ${directory} failed (exit ${npm.status ?? npm.signal ?? npm.error?.message})${errors ? `:\n${errors}` : ""}`);
  }
}
