import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseEnv } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

// scripts/deploy-secrets.mjs runs from a copy in a scratch project whose node_modules holds a fake
// wrangler: it records every call (argv and stdin) and answers `secret list` / `secret bulk` as
// FAKE_* variables say. No network, no Cloudflare account, and the repository's own .secrets/ is
// never touched.
const ROOT = path.join(import.meta.dirname, "../..");

const FAKE_WRANGLER = `
const fs = require("node:fs");
const argv = process.argv.slice(2);
let stdin = "";
try { stdin = fs.readFileSync(0, "utf8"); } catch {}
fs.appendFileSync(process.env.FAKE_WRANGLER_CALLS, JSON.stringify({ argv, stdin }) + "\\n");
if (argv[0] === "secret" && argv[1] === "list") {
  if (process.env.FAKE_LIST === "not-found") { console.error('✘ [ERROR] Worker "edge-qr" not found.'); process.exit(1); }
  if (process.env.FAKE_LIST === "logged-out") { console.error("✘ [ERROR] You are not authenticated."); process.exit(1); }
  console.log(JSON.stringify((process.env.FAKE_REMOTE || "").split(",").filter(Boolean).map((name) => ({ name, type: "secret_text" }))));
} else if (argv[0] === "secret" && argv[1] === "bulk") {
  if (process.env.FAKE_BULK_EXIT) process.exit(Number(process.env.FAKE_BULK_EXIT));
  for (const key of Object.keys(JSON.parse(stdin))) console.log("✨ Successfully created secret for key: " + key);
} else {
  process.exit(64);
}
`;

interface Call {
  argv: string[];
  stdin: string;
}
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  calls: Call[];
}

let project = "";
const secretsFile = () => path.join(project, ".secrets/production.env");
const readSecrets = () => parseEnv(readFileSync(secretsFile(), "utf8")) as Record<string, string>;

function run(args: string[], env: Record<string, string> = {}): Run {
  const callsFile = path.join(project, "calls.jsonl");
  rmSync(callsFile, { force: true });
  const result = spawnSync(process.execPath, [path.join(project, "scripts/deploy-secrets.mjs"), ...args], {
    cwd: project,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", FAKE_WRANGLER_CALLS: callsFile, ...env },
  });
  const calls = existsSync(callsFile)
    ? readFileSync(callsFile, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Call)
    : [];
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

/** No value of the file may show up on screen or on any command line. */
function expectNoValueLeaked(result: Run, values: string[]) {
  for (const value of values) {
    expect(value.length).toBeGreaterThanOrEqual(32);
    expect(result.stdout).not.toContain(value);
    expect(result.stderr).not.toContain(value);
    for (const call of result.calls) expect(call.argv.join(" ")).not.toContain(value);
  }
}

const bulkCalls = (result: Run) => result.calls.filter((call) => call.argv[0] === "secret" && call.argv[1] === "bulk");

beforeEach(() => {
  project = mkdtempSync(path.join(tmpdir(), "edge-qr-secrets-"));
  mkdirSync(path.join(project, "scripts"));
  copyFileSync(path.join(ROOT, "scripts/deploy-secrets.mjs"), path.join(project, "scripts/deploy-secrets.mjs"));
  mkdirSync(path.join(project, "node_modules/wrangler/bin"), { recursive: true });
  writeFileSync(path.join(project, "node_modules/wrangler/bin/wrangler.js"), FAKE_WRANGLER);
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

describe("npm run deploy:secrets", () => {
  it("is git-ignored where it writes", () => {
    expect(readFileSync(path.join(ROOT, ".gitignore"), "utf8").split("\n")).toContain(".secrets/");
  });

  it("generates every secret into a 0600 file, puts them through stdin, and prints none", () => {
    const first = run([]);
    expect(first.code, first.stderr).toBe(0);
    expect(statSync(secretsFile()).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(secretsFile())).mode & 0o077).toBe(0);
    const values = readSecrets();
    expect(Object.keys(values).sort()).toEqual(["ACCESS_KEY_ENCRYPTION_KEY", "ADMIN_TOKEN", "EDGE_HMAC_KEY"]);
    expect(values.ADMIN_TOKEN).toMatch(/^[0-9a-f]{64}$/);
    expect(values.EDGE_HMAC_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(values.ACCESS_KEY_ENCRYPTION_KEY!, "base64")).toHaveLength(32);
    // The user is told where the file is.
    expect(first.stdout).toContain(path.join(".secrets", "production.env"));
    // Before generating, it asked which secrets the Worker already has; then one bulk put.
    expect(first.calls.map((call) => call.argv.slice(0, 2).join(" "))).toEqual(["secret list", "secret bulk"]);
    expect(JSON.parse(bulkCalls(first)[0]!.stdin)).toEqual(values);
    expectNoValueLeaked(first, Object.values(values));
  });

  it("never overwrites the file: a second run uploads the same values", () => {
    expect(run([]).code).toBe(0);
    const before = readFileSync(secretsFile(), "utf8");
    const again = run([]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(secretsFile(), "utf8")).toBe(before);
    expect(again.calls.map((call) => call.argv.slice(0, 2).join(" "))).toEqual(["secret bulk"]);
    expect(JSON.parse(bulkCalls(again)[0]!.stdin)).toEqual(readSecrets());
    expectNoValueLeaked(again, Object.values(readSecrets()));
  });

  it("keeps a value the user put in the file, and their comments, and adds only what is missing", () => {
    mkdirSync(path.dirname(secretsFile()));
    const own = "my-own-admin-token-0123456789abcdef";
    writeFileSync(secretsFile(), `# mine\nADMIN_TOKEN=${own}\n`, { mode: 0o644 });
    const result = run([]);
    expect(result.code, result.stderr).toBe(0);
    expect(statSync(secretsFile()).mode & 0o777).toBe(0o600);
    expect(readFileSync(secretsFile(), "utf8")).toMatch(/^# mine\nADMIN_TOKEN=my-own-admin-token-0123456789abcdef\n/);
    expect(readSecrets().ADMIN_TOKEN).toBe(own);
    expect(readSecrets().ACCESS_KEY_ENCRYPTION_KEY).toBeDefined();
    expectNoValueLeaked(result, Object.values(readSecrets()));
  });

  it("rotates ACCESS_KEY_ENCRYPTION_KEY: the old value becomes _PREVIOUS, both go up in one request", () => {
    expect(run([]).code).toBe(0);
    const before = readSecrets();
    const rotated = run(["--rotate", "ACCESS_KEY_ENCRYPTION_KEY"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const after = readSecrets();
    expect(after.ACCESS_KEY_ENCRYPTION_KEY_PREVIOUS).toBe(before.ACCESS_KEY_ENCRYPTION_KEY);
    expect(after.ACCESS_KEY_ENCRYPTION_KEY).not.toBe(before.ACCESS_KEY_ENCRYPTION_KEY);
    expect(after.ADMIN_TOKEN).toBe(before.ADMIN_TOKEN);
    expect(after.EDGE_HMAC_KEY).toBe(before.EDGE_HMAC_KEY);
    expect(bulkCalls(rotated)).toHaveLength(1);
    expect(JSON.parse(bulkCalls(rotated)[0]!.stdin)).toEqual(after);
    // What must happen next: re-seal every AccessKey secret, then drop the previous key.
    expect(rotated.stdout).toContain("accesskey re-encrypt");
    expect(rotated.stdout).toContain("--finish-rotation");
    expectNoValueLeaked(rotated, [...Object.values(before), ...Object.values(after)]);

    // A second rotation before the first is finished would lose the key older rows are sealed with.
    const twice = run(["--rotate", "ACCESS_KEY_ENCRYPTION_KEY"]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("rotation is in progress");
    expect(readSecrets()).toEqual(after);
    expect(twice.calls).toEqual([]);

    const finished = run(["--finish-rotation"]);
    expect(finished.code, finished.stderr).toBe(0);
    expect(bulkCalls(finished).map((call) => JSON.parse(call.stdin))).toEqual([{ ACCESS_KEY_ENCRYPTION_KEY_PREVIOUS: null }]);
    expect(readSecrets()).toEqual({ ADMIN_TOKEN: after.ADMIN_TOKEN, ACCESS_KEY_ENCRYPTION_KEY: after.ACCESS_KEY_ENCRYPTION_KEY, EDGE_HMAC_KEY: after.EDGE_HMAC_KEY });
    expectNoValueLeaked(finished, Object.values(after));
  });

  it("rotates ADMIN_TOKEN to a new value and leaves the others", () => {
    expect(run([]).code).toBe(0);
    const before = readSecrets();
    const rotated = run(["--rotate", "ADMIN_TOKEN"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const after = readSecrets();
    expect(after.ADMIN_TOKEN).toMatch(/^[0-9a-f]{64}$/);
    expect(after.ADMIN_TOKEN).not.toBe(before.ADMIN_TOKEN);
    expect({ ...after, ADMIN_TOKEN: "" }).toEqual({ ...before, ADMIN_TOKEN: "" });
    expect(JSON.parse(bulkCalls(rotated)[0]!.stdin)).toEqual(after);
    expectNoValueLeaked(rotated, [...Object.values(before), ...Object.values(after)]);
  });

  it("refuses to replace an ACCESS_KEY_ENCRYPTION_KEY the Worker has and the file does not", () => {
    const result = run([], { FAKE_REMOTE: "ADMIN_TOKEN,ACCESS_KEY_ENCRYPTION_KEY" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("ACCESS_KEY_ENCRYPTION_KEY is already set on the Worker");
    expect(existsSync(secretsFile())).toBe(false);
    expect(bulkCalls(result)).toEqual([]);
  });

  it("treats a Worker that does not exist yet as one without secrets", () => {
    const result = run([], { FAKE_LIST: "not-found" });
    expect(result.code, result.stderr).toBe(0);
    expect(bulkCalls(result)).toHaveLength(1);
  });

  it("stops before writing anything when wrangler cannot list the secrets (not logged in)", () => {
    const result = run([], { FAKE_LIST: "logged-out" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("npx wrangler login");
    expect(existsSync(secretsFile())).toBe(false);
  });

  it("keeps the file when the upload fails, and the next run uploads it", () => {
    const failed = run([], { FAKE_BULK_EXIT: "1" });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("again uploads it");
    const values = readSecrets();
    expectNoValueLeaked(failed, Object.values(values));
    const retried = run([]);
    expect(retried.code, retried.stderr).toBe(0);
    expect(JSON.parse(bulkCalls(retried)[0]!.stdin)).toEqual(values);
  });

  it("uses one file per wrangler environment and passes --env on", () => {
    const result = run(["--env", "staging"]);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(path.join(project, ".secrets/staging.env"))).toBe(true);
    expect(existsSync(secretsFile())).toBe(false);
    for (const call of result.calls) expect(call.argv.slice(-2)).toEqual(["--env", "staging"]);
  });

  it("answers bad options with a clear message and touches nothing", () => {
    for (const args of [["--rotate", "DB_PASSWORD"], ["--bogus"], ["--rotate"], ["--rotate", "ADMIN_TOKEN", "--finish-rotation"]]) {
      const result = run(args);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr).toMatch(/^deploy:secrets: /);
      expect(result.calls).toEqual([]);
    }
    expect(existsSync(secretsFile())).toBe(false);
  });

  it("refuses a value in the file that is too short to be a key, without printing it", () => {
    mkdirSync(path.dirname(secretsFile()));
    writeFileSync(secretsFile(), "ACCESS_KEY_ENCRYPTION_KEY=short-secret-value\n", { mode: 0o600 });
    chmodSync(secretsFile(), 0o600);
    const result = run([]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("shorter than 32 characters");
    expect(result.stderr + result.stdout).not.toContain("short-secret-value");
    expect(result.calls).toEqual([]);
  });
});
