import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// `.ci/run` installs with `npm ci`, which refuses a lockfile that lacks any package the tree could
// need on some platform; and two wrangler/workerd versions mean tests run on a different runtime
// than `npm start` and `npm run deploy`. Both are properties of package-lock.json, checked here
// without installing anything.
const ROOT = path.join(import.meta.dirname, "../..");
const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; optionalDependencies?: Record<string, string> }>;
};
const installed = (name: string) =>
  Object.entries(lock.packages)
    .filter(([where]) => where === `node_modules/${name}` || where.endsWith(`/node_modules/${name}`))
    .map(([where, entry]) => `${where}@${entry.version}`);

describe("package-lock.json", () => {
  it("holds one wrangler, one miniflare and one workerd (the vitest plugin's)", () => {
    for (const name of ["wrangler", "miniflare", "workerd"]) expect(installed(name), name).toHaveLength(1);
  });

  it("locks workerd's binary for every platform, so npm ci accepts it anywhere", () => {
    const workerd = lock.packages["node_modules/workerd"]!;
    const platforms = Object.entries(workerd.optionalDependencies ?? {});
    expect(platforms.length).toBeGreaterThanOrEqual(5);
    for (const [name, version] of platforms) expect(installed(name), name).toEqual([`node_modules/${name}@${version}`]);
  });
});
