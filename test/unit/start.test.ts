import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../../bench/http/worker";

// `npm start` (scripts/start.mjs) runs from a copy in a scratch project whose node_modules holds a
// fake wrangler: `d1 migrations apply` prints the kind of noise the real one does (tables, a
// banner, a network stack trace), and `dev` serves /health, /admin/demo and /openapi.json on the
// port it is given. No workerd, no network; the repository's .dev.vars and .wrangler/ are never
// touched. The screen is held to its budget: the credentials within 30 lines of `npm start`.
const ROOT = path.join(import.meta.dirname, "../..");
/** `npm start` itself prints a blank line, two `>` lines and a blank line before the script runs. */
const NPM_HEADER_LINES = 4;

const DEMO = {
  created: true,
  organization: { id: "247f3ddf-5499-49de-8507-677f73fcf84d", name: "Demo organization", whatsappEnabled: true, isDemo: true },
  brand: { id: 1, name: "Demo brand" },
  member: { id: "e875b9bb-f8a9-4c73-bbc2-b72ee9ff9223", name: "Demo member" },
  user: { id: "3a395e47-7ed7-490b-89f7-0c79e8fdb088", status: "active" },
  apiKey: "zak_xMYF48RrTgZ5fPdnzpkJRqejnhic3n1YQbZW",
  developerKey: { id: "bbd8ee81-e6b2-4df5-9696-71de77fbdd67", allowlist: ["127.0.0.1", "::1"] },
  developerSecret: "zdk_vfftZThTzIzFgabOVw4hOT3W5nv93r2ISNSu",
  bearerKey: {
    id: "711219c5-c71a-407d-8f5e-e33775db5049",
    role: "read-write",
    actions: ["cams:CreatePhoneMessageQrdl", "cams:ListPhoneMessageQrdl", "cams:UpdatePhoneMessageQrdl", "cams:DeletePhoneMessageQrdl", "qr:ReadQrCode", "qr:WriteQrCode", "pairing:ManageInstance"],
  },
  bearerSecret: "zbk_ydZwjy0SNAYniMEpwwW1q7UgQWlKkv2tgcOb",
  whatsappPhoneNumber: { phoneNumber: "12515550156", custSpaceId: "cams-demo" },
  pairingInstance: { id: "0DD3B6AF19584D95B8F712E150CBF869" },
  pairingInstanceSecret: "zit_q3I62Y3E8mpWwKFKUguDIp05KPRBAb3od72s",
  pairingClientTokenSecret: "zct_BU9CTqaECXrhTnraCjhwUjKwshZKgZ4WSF0k",
  accessKey: { id: "EQAKW5WYb22KLXoVGDoo5ol4" },
  accessKeySecret: "5StmOiLh3NFRSARPkUJONapaDaBHxq",
};
/** Every value a newcomer must be able to copy from the screen. */
const CREDENTIALS = [
  DEMO.organization.id, DEMO.member.id, DEMO.user.id, DEMO.apiKey, DEMO.developerKey.id, DEMO.developerSecret, DEMO.bearerKey.id, DEMO.bearerSecret,
  DEMO.pairingInstance.id, DEMO.pairingInstanceSecret, DEMO.pairingClientTokenSecret, DEMO.whatsappPhoneNumber.phoneNumber, DEMO.accessKey.id, DEMO.accessKeySecret,
];

const FAKE_WRANGLER = `
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const argv = process.argv.slice(2);
fs.appendFileSync(path.join(process.cwd(), "wrangler-calls.jsonl"), JSON.stringify({ argv, cfFetch: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? null }) + "\\n");
const noise = () => {
  console.log("\\n ⛅️ wrangler 4.156.2\\n" + "─".repeat(40));
  for (let i = 1; i <= 10; i++) console.log("├──────────────┼────────┤\\n│ 000" + i + "_migration.sql │ ✅     │");
  console.error("[wrangler:warn] Unable to fetch the Request.cf object!\\nError: getaddrinfo ENOTFOUND workers.cloudflare.com\\n    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:123:26)");
};
if (argv[0] === "d1") {
  noise();
  if (process.env.FAKE_MIGRATIONS_FAIL) { console.error("✘ [ERROR] near \\"CREAT\\": syntax error at offset 0"); process.exit(1); }
  const marker = path.join(process.cwd(), ".wrangler/fake-migrated");
  fs.mkdirSync(path.dirname(marker), { recursive: true });
  if (fs.existsSync(marker)) console.log("✅ No migrations to apply!");
  else { fs.writeFileSync(marker, ""); console.log("Migrations to be applied:\\n? About to apply 10 migration(s)\\n🚣 3 commands executed successfully."); }
} else if (argv[0] === "dev") {
  noise();
  const port = Number(argv[argv.indexOf("--port") + 1]);
  const token = fs.readFileSync(path.join(process.cwd(), ".dev.vars"), "utf8").match(/^ADMIN_TOKEN=(.*)$/m)[1];
  const created = path.join(process.cwd(), ".wrangler/fake-demo-created");
  const demo = JSON.parse(process.env.FAKE_DEMO);
  http.createServer((req, res) => {
    console.log("[wrangler:info] " + req.method + " " + req.url + " 200 OK");
    const json = (status, body) => res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    if (req.url === "/health") return json(200, { status: "ok" });
    if (req.url === "/openapi.json") return json(200, { paths: { "/qr_codes": {}, "/health": {} } });
    if (req.method === "POST" && req.url === "/admin/demo") {
      if (req.headers.authorization !== "Bearer " + token) return json(401, { error: { code: "UNAUTHORIZED", message: "bad token" } });
      if (fs.existsSync(created)) return json(200, { created: false, organization: demo.organization });
      fs.writeFileSync(created, "");
      return json(201, demo);
    }
    json(404, {});
  }).listen(port, "127.0.0.1", () => console.log("[wrangler:info] Ready on http://127.0.0.1:" + port));
} else {
  process.exit(64);
}
`;

interface Start {
  code: number | null;
  port: number;
  stdout: string;
  lines: string[];
}

let project = "";


/** Runs start.mjs until it says the server is running (then Ctrl-C, as a user would) or it exits. */
async function start(args: string[] = [], env: Record<string, string> = {}): Promise<Start> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(project, "scripts/start.mjs"), ...args], {
    cwd: project,
    env: { PATH: process.env.PATH ?? "", PORT: String(port), FAKE_DEMO: JSON.stringify(DEMO), ...env },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: the hang guard below stops the fake server too.
    detached: true,
  });
  // A hang guard, not a timing check: a start that never says it is running fails instead of
  // leaving its server behind.
  const guard = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 30_000);
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes("Ctrl-C stops the server")) child.kill("SIGINT");
  });
  child.stderr.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", (status) => resolve(status)));
  clearTimeout(guard);
  return { code, port, stdout, lines: stdout.replace(/\n$/, "").split("\n") };
}

/** The values `. .wrangler/demo.env` gives these variables in a POSIX shell. */
const sourced = (names: string[]) =>
  execFileSync("sh", ["-c", `. ./.wrangler/demo.env && printf '%s\\n' ${names.map((n) => `"$${n}"`).join(" ")}`], { cwd: project, env: { PATH: process.env.PATH ?? "" }, encoding: "utf8" })
    .trimEnd()
    .split("\n");

const calls = () =>
  readFileSync(path.join(project, "wrangler-calls.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as { argv: string[]; cfFetch: string | null });

beforeEach(() => {
  project = mkdtempSync(path.join(tmpdir(), "edge-qr-start-"));
  mkdirSync(path.join(project, "scripts"));
  for (const file of ["start.mjs", "start-screen.mjs"]) copyFileSync(path.join(ROOT, "scripts", file), path.join(project, "scripts", file));
  // The console's build (Vite) is its own concern (scripts/build-console.mjs, run for real by the
  // browser tests); here it is a stand-in that finds the build fresh.
  writeFileSync(path.join(project, "scripts/build-console.mjs"), "export const buildConsole = () => false;\n");
  mkdirSync(path.join(project, "node_modules/wrangler/bin"), { recursive: true });
  writeFileSync(path.join(project, "node_modules/wrangler/bin/wrangler.js"), FAKE_WRANGLER);
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

describe("npm start", () => {
  it("prints one line per step, then every credential within 30 lines; wrangler's output goes to the log", async () => {
    const first = await start();
    expect(first.stdout).toContain("Ctrl-C stops the server");
    const lastCredential = first.lines.findIndex((line) => line.startsWith(" admin token"));
    expect(lastCredential).toBeGreaterThan(0);
    expect(NPM_HEADER_LINES + lastCredential + 1).toBeLessThan(30);
    for (const value of CREDENTIALS) expect(first.lines.slice(0, lastCredential + 1).join("\n")).toContain(value);
    // Steps, one line each.
    expect(first.lines.filter((line) => /^ {2}[✓✗…] /.test(line)).map((line) => line.trim().split(/\s+/)[1])).toEqual(["secrets", "database", "console", "server", "demo"]);
    expect(first.stdout).toContain("migrations 10 applied");
    // Every ready-to-paste command is still there, each on one line.
    expect(first.stdout).toContain(`curl -s -X POST http://127.0.0.1:`);
    expect(first.lines.filter((line) => line.startsWith(" # ")).length).toBeGreaterThanOrEqual(11);
    expect(first.stdout).toContain(`/instances/${DEMO.pairingInstance.id}/pair#token=${DEMO.pairingInstanceSecret}&clientToken=${DEMO.pairingClientTokenSecret}`);
    // None of wrangler's noise, and no stack trace, on screen; all of it in the log named there.
    expect(first.stdout).toContain(".wrangler/start.log");
    expect(first.stdout).not.toMatch(/ENOTFOUND|^\s+at |─────|wrangler:info/m);
    const log = readFileSync(path.join(project, ".wrangler/start.log"), "utf8");
    expect(log).toContain("About to apply 10 migration(s)");
    expect(log).toContain("ENOTFOUND");
    expect(log).toContain("POST /admin/demo");
    // Local secrets and the saved screen are private files.
    expect(statSync(path.join(project, ".dev.vars")).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(project, ".dev.vars"), "utf8")).toMatch(/^ADMIN_TOKEN=[0-9a-f]{64}\nACCESS_KEY_ENCRYPTION_KEY=\S{44}\n$/);
    expect(statSync(path.join(project, ".wrangler/demo-credentials.txt")).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(project, ".wrangler/demo-credentials.txt"), "utf8")).toContain(DEMO.accessKeySecret);
    // The same credentials as shell variables, for the README's walk-throughs; the screen says how.
    expect(statSync(path.join(project, ".wrangler/demo.env")).mode & 0o777).toBe(0o600);
    expect(first.lines.slice(0, 30 - NPM_HEADER_LINES).join("\n")).toContain(". .wrangler/demo.env");
    expect(sourced(["B", "KEY", "API_KEY", "DEV_SECRET", "ACCESS_KEY_ID", "ACCESS_KEY_SECRET", "CLIENT_TOKEN", "INSTANCE_TOKEN", "ORG_ID", "PHONE"])).toEqual([
      `http://127.0.0.1:${first.port}`, DEMO.bearerSecret, DEMO.apiKey, DEMO.developerSecret, DEMO.accessKey.id, DEMO.accessKeySecret,
      DEMO.pairingClientTokenSecret, DEMO.pairingInstanceSecret, DEMO.organization.id, DEMO.whatsappPhoneNumber.phoneNumber,
    ]);
    // The commands it teaches name secrets by those variables: no secret on a command line (the
    // pairing demo page is a URL for the browser, its tokens in the fragment).
    const commands = first.lines.slice(first.lines.findIndex((line) => line.includes("Try it"))).filter((line) => !line.includes("/pair#token="));
    for (const secret of [DEMO.apiKey, DEMO.developerSecret, DEMO.bearerSecret, DEMO.accessKeySecret, DEMO.pairingInstanceSecret, DEMO.pairingClientTokenSecret]) {
      expect(commands.join("\n")).not.toContain(secret);
    }
    // No Request.cf download (the offline stack trace) for either wrangler run.
    expect(calls().map((call) => [call.argv[0], call.cfFetch])).toEqual([["d1", "false"], ["dev", "false"]]);
  });

  it("on a later start keeps .dev.vars, says the demo exists and where its credentials are", async () => {
    expect((await start()).stdout).toContain("organization created");
    const devVars = readFileSync(path.join(project, ".dev.vars"), "utf8");
    const again = await start();
    expect(readFileSync(path.join(project, ".dev.vars"), "utf8")).toBe(devVars);
    expect(again.stdout).toContain("migrations up to date");
    expect(again.stdout).toContain(`organization ${DEMO.organization.id} exists`);
    expect(again.stdout).toContain("cat .wrangler/demo-credentials.txt");
    // The shell file keeps the first start's secrets and follows this start's address.
    expect(again.stdout).toContain(". .wrangler/demo.env");
    expect(sourced(["B", "EDGE_QR_URL", "KEY"])).toEqual([`http://127.0.0.1:${again.port}`, `http://127.0.0.1:${again.port}`, DEMO.bearerSecret]);
    expect(NPM_HEADER_LINES + again.lines.length).toBeLessThan(30);
    for (const secret of [DEMO.apiKey, DEMO.bearerSecret, DEMO.accessKeySecret]) expect(again.stdout).not.toContain(secret);
  });

  it("--verbose shows wrangler's output as well", async () => {
    const verbose = await start(["--verbose"]);
    expect(verbose.stdout).toContain("About to apply 10 migration(s)");
    expect(verbose.stdout).toContain(DEMO.bearerSecret);
  });

  it("a failed step says which, shows the end of the log and exits non-zero", async () => {
    const failed = await start([], { FAKE_MIGRATIONS_FAIL: "1" });
    expect(failed.code).not.toBe(0);
    expect(failed.stdout).toContain("✗ database  wrangler d1 migrations apply failed (exit 1)");
    expect(failed.stdout).toContain('| ✘ [ERROR] near "CREAT": syntax error');
    expect(existsSync(path.join(project, ".wrangler/start.log"))).toBe(true);
  });

  it("refuses an unknown option with its usage", async () => {
    const bad = await start(["--bogus"]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain("Usage: npm start [-- --verbose]");
  });
});

describe("the start screen", () => {
  it("reads the migration count from wrangler's output", async () => {
    const { migrationSummary } = (await import(pathToFileURL(path.join(ROOT, "scripts/start-screen.mjs")).href)) as { migrationSummary: (output: string) => string | null };
    expect(migrationSummary("Migrations to be applied:\n\x1b[1m? About to apply 10 migration(s)\x1b[0m")).toBe("10 applied");
    expect(migrationSummary("✅ No migrations to apply!")).toBe("up to date");
    expect(migrationSummary("something else")).toBeNull();
  });

  it("shows every credential, each row on one line", async () => {
    const { credentialRows } = (await import(pathToFileURL(path.join(ROOT, "scripts/start-screen.mjs")).href)) as { credentialRows: (d: typeof DEMO) => string[] };
    const rows = credentialRows(DEMO);
    expect(rows.length).toBeLessThanOrEqual(15);
    for (const value of CREDENTIALS) expect(rows.join("\n")).toContain(value);
    for (const row of rows) expect(row).not.toContain("\n");
  });
});
