import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { KNOWN_ACTIONS } from "../../src/auth/actions";

// The CLI (scripts/admin.mjs) runs as a child process against a fake admin API on 127.0.0.1.
const ROOT = path.join(import.meta.dirname, "../..");
const CLI = path.join(ROOT, "scripts/admin.mjs");
const TOKEN = "test-token-0123";

interface Column { label: string; whole: boolean }
interface Command { cmd: string; columns?: Column[] }
const cliModule = async () => (await import(pathToFileURL(CLI).href)) as { COMMANDS: Command[]; ACTIONS: string[]; isLocalUrl(url: string): boolean };
const outputModule = async () =>
  (await import(pathToFileURL(path.join(ROOT, "scripts/admin-output.mjs")).href)) as { format(body: unknown, columns?: Column[]): string[]; TABLE_WIDTH: number };

interface Recorded {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

const ORG = { id: "4b0c7a52-9d1e-4f7e-8a51-0c1d2e3f4a5b", name: "Acme", whatsappEnabled: true, isDemo: false, status: "active", statusChangedAt: null, createdAt: "2026-11-21T08:30:00+00:00" };
const INSTANCE = { id: "3C5A1F0E9B7D4E2A8C6F1B3D5E7A9C0B", orgId: "o1", name: "Till", tokenPrefix: "zit_8kQw…", pauseAfter: 3, createdAt: "2026-11-21T08:30:00+00:00" };
const USER = { id: "u_1", organizationId: ORG.id, name: "Ada", status: "inactive", apiKeyPrefix: "zak_3kTq" };
const DEVKEY = { id: "dk_1", userId: "u_1", label: "ci", allowlist: ["203.0.113.7", "2001:db8::/32"], revokedAt: null };
const BEARER = { id: "ak_1", name: "ci", role: "read-write", actions: ["cams:CreatePhoneMessageQrdl", "qr:WriteQrCode"] };

/** Canned answers by "METHOD path"; anything else is the platform's 404 envelope. */
const routes: Record<string, [number, unknown]> = {
  "POST /admin/organizations": [201, ORG],
  "GET /admin/organizations": [200, { items: [ORG, { ...ORG, id: "o2", name: "Beta", whatsappEnabled: false }] }],
  "POST /admin/users/u_1/developer-keys": [201, { developerKey: DEVKEY, secret: "zdk_SECRETSECRET" }],
  "POST /admin/organizations/o1/api-keys": [201, { apiKey: BEARER, secret: "zqk_BEARERSECRET" }],
  "POST /admin/users/u_1/deactivate": [200, USER],
  "POST /admin/demo": [201, { created: true, organization: { ...ORG, isDemo: true }, brand: { id: 1, name: "Demo" }, user: USER, apiKey: "zak_USERKEY" }],
  "POST /admin/organizations/o1/access-keys": [201, { accessKey: { id: "EQAKabc", name: "sdk", status: "active" }, accessKeyId: "EQAKabc", accessKeySecret: "AKSECRETAKSECRET" }],
  "POST /admin/organizations/o1/whatsapp-phone-numbers": [201, { phoneNumber: "8613800138000", orgId: "o1", custSpaceId: "cams-1" }],
  "POST /admin/access-keys/EQAKabc/disable": [200, { id: "EQAKabc", status: "disabled" }],
  "DELETE /admin/organizations/o1/whatsapp-phone-numbers/%2B8613800138000": [204, null],
  "POST /admin/organizations/o1/deactivate": [200, { ...ORG, id: "o1", status: "deactivated", statusChangedAt: "2026-11-22T08:30:00+00:00" }],
  "DELETE /admin/organizations/o1": [202, { ...ORG, id: "o1", status: "deleting", statusChangedAt: "2026-11-22T08:30:00+00:00" }],
  "DELETE /admin/users/u_1": [204, null],
  "POST /admin/organizations/o1/pairing/instances": [201, { instance: INSTANCE, secret: "zit_INSTANCESECRET" }],
  "POST /admin/organizations/bad/brands": [
    400,
    { error: { code: "VALIDATION_FAILED", message: "name: Required", requestId: "req-42", issues: [{ field: "name", message: "Required" }] } },
  ],
};

let server: Server;
let url = "";
const requests: Recorded[] = [];
/** A second server on 127.0.0.2: a host that is not the local `npm start` one. */
let remote: Server;
let remoteUrl = "";
/** A copy of the CLI with a .dev.vars of its own beside it (the real one is a developer's). */
let sandbox = "";
const DEV_VARS_TOKEN = "dev-vars-token-456";

function fakeAdmin(): Server {
  return createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    req.on("end", () => {
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        authorization: req.headers.authorization,
        contentType: req.headers["content-type"],
        body: raw ? JSON.parse(raw) : undefined,
      });
      const [status, body] = routes[`${req.method} ${req.url}`] ?? [
        404,
        { error: { code: "NOT_FOUND", message: `No route for ${req.method} ${req.url}`, requestId: "req-404" } },
      ];
      if (status === 204) res.writeHead(204).end();
      else res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    });
  });
}

beforeAll(async () => {
  server = fakeAdmin();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  remote = fakeAdmin();
  await new Promise<void>((resolve) => remote.listen(0, "127.0.0.2", resolve));
  remoteUrl = `http://127.0.0.2:${(remote.address() as AddressInfo).port}`;
  sandbox = mkdtempSync(path.join(tmpdir(), "admin-cli-"));
  for (const file of ["scripts/admin.mjs", "scripts/admin-output.mjs", "src/auth/actions.json"]) {
    mkdirSync(path.dirname(path.join(sandbox, file)), { recursive: true });
    cpSync(path.join(ROOT, file), path.join(sandbox, file));
  }
  writeFileSync(path.join(sandbox, ".dev.vars"), `# written by npm start\nADMIN_TOKEN="${DEV_VARS_TOKEN}"\n`);
});

afterAll(async () => {
  rmSync(sandbox, { recursive: true, force: true });
  await Promise.all([server, remote].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});
beforeEach(() => {
  requests.length = 0;
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface CliOptions {
  /** add `--url <fake server>` (default true) */
  server?: boolean;
  /** ADMIN_TOKEN in the child's environment (default TOKEN; null: unset) */
  token?: string | null;
  /** written to standard input, which is then closed (closed at once without it) */
  stdin?: string;
  /** run the sandbox copy, whose .dev.vars holds DEV_VARS_TOKEN */
  sandboxed?: boolean;
}

/** Runs the CLI asynchronously (the fake server lives in this process, so no spawnSync). */
function cli(args: string[], options: CliOptions = {}): Promise<Run> {
  const env = { ...process.env };
  delete env.ADMIN_TOKEN;
  delete env.EDGE_QR_URL;
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) env.ADMIN_TOKEN = token;
  const argv = options.server === false ? args : [...args, "--url", url];
  const script = options.sandboxed ? path.join(sandbox, "scripts/admin.mjs") : CLI;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...argv], { cwd: options.sandboxed ? sandbox : ROOT, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

function only(): Recorded {
  expect(requests).toHaveLength(1);
  return requests[0]!;
}

describe("admin CLI requests", () => {
  it("org create sends name and whatsappEnabled with the bearer token", async () => {
    const run = await cli(["org", "create", "--name", "Acme Corp", "--whatsapp"]);
    expect(run.code).toBe(0);
    expect(only()).toEqual({
      method: "POST",
      url: "/admin/organizations",
      authorization: `Bearer ${TOKEN}`,
      contentType: "application/json",
      body: { name: "Acme Corp", whatsappEnabled: true },
    });
    expect(run.stdout).toMatch(/^id:\s+4b0c7a52-9d1e-4f7e-8a51-0c1d2e3f4a5b$/m);
    expect(run.stdout).toMatch(/^whatsappEnabled:\s+true$/m);
  });

  it("org create without --whatsapp sends false; --name=value works", async () => {
    expect((await cli(["org", "create", "--name=Solo"])).code).toBe(0);
    expect(only().body).toEqual({ name: "Solo", whatsappEnabled: false });
  });

  it("devkey create collects repeated --allow into the allowlist and warns about the secret", async () => {
    const run = await cli(["devkey", "create", "u_1", "--label", "ci", "--allow", "203.0.113.7", "--allow", "2001:db8::/32"]);
    expect(run.code).toBe(0);
    expect(only()).toMatchObject({
      method: "POST",
      url: "/admin/users/u_1/developer-keys",
      body: { label: "ci", allowlist: ["203.0.113.7", "2001:db8::/32"] },
    });
    expect(run.stdout).toContain("This secret is shown once — store it now");
    expect(run.stdout).toMatch(/secret:\s+zdk_SECRETSECRET/);
    expect(run.stdout).toContain("203.0.113.7, 2001:db8::/32");
  });

  it("sends ADMIN_TOKEN from the environment, with no warning", async () => {
    const run = await cli(["org", "list"]);
    expect(run.code).toBe(0);
    expect(only().authorization).toBe(`Bearer ${TOKEN}`);
    expect(run.stderr).toBe("");
  });

  it("apikey create sends role, actions and expiry", async () => {
    const run = await cli([
      "apikey", "create", "o1", "--name", "ci", "--role", "read-write",
      "--action", "cams:CreatePhoneMessageQrdl", "--action", "qr:WriteQrCode", "--expires", "2027-01-01T00:00:00Z",
    ]);
    expect(run.code).toBe(0);
    expect(only()).toMatchObject({
      method: "POST",
      url: "/admin/organizations/o1/api-keys",
      body: { name: "ci", role: "read-write", actions: ["cams:CreatePhoneMessageQrdl", "qr:WriteQrCode"], expiresAt: "2027-01-01T00:00:00Z" },
    });
    expect(run.stdout).toContain("zqk_BEARERSECRET");
    expect(run.stdout).toContain("shown once — store it now");
  });

  it("apikey create rejects an unknown role before any request", async () => {
    const run = await cli(["apikey", "create", "o1", "--name", "ci", "--role", "admin"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("read-only, read-write");
    expect(requests).toHaveLength(0);
  });

  it("user deactivate posts with no body", async () => {
    const run = await cli(["user", "deactivate", "u_1"]);
    expect(run.code).toBe(0);
    expect(only()).toMatchObject({ method: "POST", url: "/admin/users/u_1/deactivate", authorization: `Bearer ${TOKEN}`, body: undefined });
    expect(run.stdout).toMatch(/^status:\s+inactive$/m);
    expect(run.stdout).toMatch(/^apiKeyPrefix:\s+zak_3kTq$/m); // a prefix is not a secret: no warning
    expect(run.stdout).not.toContain("shown once");
  });

  it("demo posts /admin/demo and prints the api key with the warning", async () => {
    const run = await cli(["demo"]);
    expect(run.code).toBe(0);
    expect(only()).toMatchObject({ method: "POST", url: "/admin/demo" });
    expect(run.stdout).toMatch(/^created:\s+true$/m);
    expect(run.stdout).toMatch(/^organization:$/m);
    expect(run.stdout).toMatch(/apiKey:\s+zak_USERKEY/);
    expect(run.stdout).toContain("shown once");
  });

  it("org list prints an aligned table", async () => {
    const run = await cli(["org", "list"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^id\s+name\s+status\s+whatsapp\s+demo\s+created$/);
    expect(lines[1]).toMatch(/^4b0c7a52-9d1e-4f7e-8a51-0c1d2e3f4a5b\s+Acme\s+active\s+yes\s+2026-11-21$/);
    expect(lines[2]).toMatch(/^o2\s+Beta\s+active\s+no\s+2026-11-21$/);
    expect(lines[1]!.indexOf("Acme")).toBe(lines[2]!.indexOf("Beta"));
  });

  it("--json prints the raw response as JSON", async () => {
    const run = await cli(["org", "create", "--name", "Acme", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(ORG);
  });
});

describe("admin CLI errors", () => {
  it("an API error prints message and requestId to stderr and exits 1", async () => {
    const run = await cli(["brand", "create", "bad", "--name", "x"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("name: Required");
    expect(run.stderr).toContain("VALIDATION_FAILED");
    expect(run.stderr).toContain("req-42");
    expect(run.stdout).toBe("");
  });

  it("an unknown command prints usage and exits 2", async () => {
    const run = await cli(["frobnicate", "now"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown command: frobnicate now");
    expect(run.stderr).toContain("Usage:");
    expect(requests).toHaveLength(0);
  });

  it("an unknown flag prints the command's usage and exits 2", async () => {
    const run = await cli(["org", "list", "--bogus"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option --bogus");
    expect(run.stderr).toContain("npm run admin -- org list");
  });

  it("a missing argument or required flag exits 2", async () => {
    expect((await cli(["user", "get"])).code).toBe(2);
    expect((await cli(["org", "create"])).code).toBe(2);
    expect((await cli(["org", "whatsapp", "o1", "maybe"])).code).toBe(2);
    expect(requests).toHaveLength(0);
  });

  it("connection refused suggests npm start", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const run = await cli(["org", "list", "--url", `http://127.0.0.1:${port}`], { server: false });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("npm start");
  });
});

describe("admin CLI help", () => {
  it("--help on the program lists every command", async () => {
    const { COMMANDS } = await cliModule();
    const run = await cli(["--help"], { server: false });
    expect(run.code).toBe(0);
    for (const { cmd } of COMMANDS) expect(run.stdout).toContain(`  ${cmd}`);
  });

  it("--help works for every command in the table", async () => {
    const { COMMANDS } = await cliModule();
    expect(COMMANDS.length).toBeGreaterThanOrEqual(23);
    const runs = await Promise.all(COMMANDS.map(({ cmd }) => cli([...cmd.split(" "), "--help"], { server: false })));
    runs.forEach((run, i) => {
      const { cmd } = COMMANDS[i]!;
      expect(run.code, cmd).toBe(0);
      expect(run.stdout, cmd).toContain(`Usage: npm run admin -- ${cmd}`);
    });
    expect(requests).toHaveLength(0);
  });
});

describe("admin CLI: message QR codes", () => {
  it("accesskey create sends name and actions and prints the secret once", async () => {
    const run = await cli(["accesskey", "create", "o1", "--name", "sdk", "--action", "cams:CreatePhoneMessageQrdl", "--action", "cams:ListPhoneMessageQrdl"]);
    expect(run.code).toBe(0);
    expect(only()).toMatchObject({ method: "POST", url: "/admin/organizations/o1/access-keys", body: { name: "sdk", actions: ["cams:CreatePhoneMessageQrdl", "cams:ListPhoneMessageQrdl"] } });
    expect(run.stdout).toMatch(/accessKeySecret:\s+AKSECRETAKSECRET/);
    expect(run.stdout).toContain("shown once");
  });

  it("accesskey disable, phone add with a space id, phone remove", async () => {
    expect((await cli(["accesskey", "disable", "EQAKabc"])).code).toBe(0);
    expect(only()).toMatchObject({ method: "POST", url: "/admin/access-keys/EQAKabc/disable" });
    requests.length = 0;
    expect((await cli(["phone", "add", "o1", "8613800138000", "--space", "cams-1"])).code).toBe(0);
    expect(only()).toMatchObject({ method: "POST", url: "/admin/organizations/o1/whatsapp-phone-numbers", body: { phoneNumber: "8613800138000", custSpaceId: "cams-1" } });
    requests.length = 0;
    expect((await cli(["phone", "remove", "o1", "+8613800138000"])).code).toBe(0);
    expect(only()).toMatchObject({ method: "DELETE", url: "/admin/organizations/o1/whatsapp-phone-numbers/%2B8613800138000" });
  });
});

describe("admin CLI: where the admin token comes from", () => {
  it("--token-stdin reads the first line of standard input, before ADMIN_TOKEN", async () => {
    const run = await cli(["org", "list", "--token-stdin"], { token: "from-the-environment", stdin: "piped-token-789\nnot this line\n" });
    expect(run.code).toBe(0);
    expect(only().authorization).toBe("Bearer piped-token-789");
    expect(run.stderr).toBe("");
  });

  it("--token-stdin with nothing on standard input exits 1 without a request", async () => {
    const run = await cli(["org", "list", "--token-stdin"], { token: null, stdin: "\n" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("standard input had no token");
    expect(requests).toHaveLength(0);
  });

  it("--token still works, with a warning that ps and logs show it", async () => {
    const run = await cli(["org", "list", "--token", "argv-token"], { token: null });
    expect(run.code).toBe(0);
    expect(only().authorization).toBe("Bearer argv-token");
    expect(run.stderr).toMatch(/^admin: warning: --token puts the admin token in `ps` output, shell history and npm's command banner/);
  });

  it("refuses --token together with --token-stdin", async () => {
    const run = await cli(["org", "list", "--token", "x", "--token-stdin"], { stdin: "y\n" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--token-stdin or --token, not both");
    expect(requests).toHaveLength(0);
  });

  it("uses ADMIN_TOKEN from .dev.vars for the local server", async () => {
    const run = await cli(["org", "list"], { token: null, sandboxed: true });
    expect(run.code).toBe(0);
    expect(only().authorization).toBe(`Bearer ${DEV_VARS_TOKEN}`);
  });

  it("never sends the .dev.vars token to another host: exits 1 saying how to pass one", async () => {
    const run = await cli(["org", "list", "--url", remoteUrl], { token: null, sandboxed: true, server: false });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`no admin token for ${remoteUrl}`);
    expect(run.stderr).toContain("Set ADMIN_TOKEN");
    expect(run.stderr).toContain("--token-stdin");
    expect(requests).toHaveLength(0);
    // $EDGE_QR_URL pointing elsewhere is the same: only the URL decides.
    const viaEnv = await new Promise<Run>((resolve) => {
      const env: NodeJS.ProcessEnv = { ...process.env, EDGE_QR_URL: remoteUrl };
      delete env.ADMIN_TOKEN;
      const child = spawn(process.execPath, [path.join(sandbox, "scripts/admin.mjs"), "org", "list"], { cwd: sandbox, env });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("close", (code) => resolve({ code, stdout: "", stderr }));
      child.stdin.end();
    });
    expect(viaEnv.code).toBe(1);
    expect(requests).toHaveLength(0);
    // A token given explicitly goes wherever it is told to.
    expect((await cli(["org", "list", "--url", remoteUrl], { token: "remote-token", sandboxed: true, server: false })).code).toBe(0);
    expect(only().authorization).toBe("Bearer remote-token");
  });

  it("counts only 127.0.0.1, localhost and [::1] as local", async () => {
    const { isLocalUrl } = await cliModule();
    for (const local of ["http://127.0.0.1:8787", "http://localhost:8787", "http://[::1]:8787", "https://LOCALHOST"]) expect(isLocalUrl(local), local).toBe(true);
    for (const other of ["http://127.0.0.2:8787", "https://qr.example.com", "http://localhost.example.com", "http://10.0.0.1", "http://[::2]"]) expect(isLocalUrl(other), other).toBe(false);
  });

  it("refuses a --url that is not http(s)", async () => {
    const run = await cli(["org", "list", "--url", "ftp://example.com"], { server: false });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("must be an http:// or https:// address");
  });
});

describe("admin CLI: actions", () => {
  it("offers exactly the server's actions", async () => {
    expect((await cliModule()).ACTIONS).toEqual([...KNOWN_ACTIONS]);
  });

  it("apikey create and accesskey create list every action in --help, with the defaults", async () => {
    for (const cmd of [["apikey", "create"], ["accesskey", "create"]]) {
      const run = await cli([...cmd, "--help"], { server: false });
      expect(run.code).toBe(0);
      for (const action of KNOWN_ACTIONS) expect(run.stdout).toContain(`  ${action}`);
      expect(run.stdout).toContain("Without --action");
    }
  });

  it("apikey create without --action leaves the actions to the server (the role's defaults)", async () => {
    const run = await cli(["apikey", "create", "o1", "--name", "ci", "--role", "read-only"]);
    expect(run.code).toBe(0);
    expect(only().body).toEqual({ name: "ci", role: "read-only" });
  });

  it("refuses an unknown action before any request, naming the valid ones", async () => {
    const run = await cli(["apikey", "create", "o1", "--name", "ci", "--role", "read-only", "--action", "qr:Nope"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--action must be one of: cams:CreatePhoneMessageQrdl');
    expect(run.stderr).toContain('(got "qr:Nope")');
    expect(requests).toHaveLength(0);
  });
});

describe("admin CLI: deactivating and deleting", () => {
  it("org deactivate posts and shows the new status", async () => {
    const run = await cli(["org", "deactivate", "o1"]);
    expect(run.code).toBe(0);
    expect(only()).toMatchObject({ method: "POST", url: "/admin/organizations/o1/deactivate" });
    expect(run.stdout).toMatch(/^status:\s+deactivated$/m);
  });

  it("org delete and user delete need --yes, and say what they delete", async () => {
    for (const args of [["org", "delete", "o1"], ["user", "delete", "u_1"]]) {
      const run = await cli(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("cannot be undone");
      expect(run.stderr).toContain("Pass --yes");
    }
    expect(requests).toHaveLength(0);
    const org = await cli(["org", "delete", "o1", "--yes"]);
    expect(org.code).toBe(0);
    expect(only()).toMatchObject({ method: "DELETE", url: "/admin/organizations/o1" });
    expect(org.stdout).toMatch(/^status:\s+deleting$/m);
    requests.length = 0;
    const user = await cli(["user", "delete", "u_1", "--yes"]);
    expect(user.code).toBe(0);
    expect(only()).toMatchObject({ method: "DELETE", url: "/admin/users/u_1" });
    expect(user.stdout.trim()).toBe("Done (HTTP 204).");
  });
});

describe("admin CLI: output", () => {
  const LONG = "x".repeat(200);
  /** Every field any list shows, each as long as it gets. */
  const worst = {
    id: "4b0c7a52-9d1e-4f7e-8a51-0c1d2e3f4a5b", orgId: "4b0c7a52-9d1e-4f7e-8a51-0c1d2e3f4a5b", userId: "u", name: LONG, email: `${LONG}@example.com`,
    status: "deactivated", whatsappEnabled: true, isDemo: true, createdAt: "2026-11-21T08:30:00+00:00", updatedAt: "2026-11-21T08:30:00+00:00",
    statusChangedAt: "2026-11-21T08:30:00+00:00", memberId: "4b0c7a52-9d1e-4f7e-8a51-0c1d2e3f4a5b", apiKeyPrefix: "zak_3kTq…", label: LONG,
    secretPrefix: "zdk_9Lw2…", allowlist: Array.from({ length: 20 }, (_, i) => `2001:db8:${i}::/48`), replacesId: "4b0c7a52-9d1e-4f7e-8a51-0c1d2e3f4a5b",
    revokedAt: "2026-11-21T08:30:00+00:00", lastUsedAt: "2026-11-21T08:30:00+00:00", role: "read-write", actions: KNOWN_ACTIONS.slice(0, 5),
    expiresAt: "2027-11-21T08:30:00+00:00", phoneNumber: "861380013800012", custSpaceId: LONG, tokenPrefix: "zit_8kQw…", pauseAfter: 100,
    instanceId: "3C5A1F0E9B7D4E2A8C6F1B3D5E7A9C0B", deviceName: LONG, method: "phone", phone: "+861380013800012",
    connectedAt: "2026-11-21T08:30:00+00:00", disconnectedAt: "2026-11-21T08:30:00+00:00",
  };

  it("every list fits 100 columns and keeps identifiers whole", async () => {
    const { COMMANDS } = await cliModule();
    const { format, TABLE_WIDTH } = await outputModule();
    expect(TABLE_WIDTH).toBe(100);
    const lists = COMMANDS.filter((c) => c.columns);
    expect(lists.map((c) => c.cmd)).toEqual(expect.arrayContaining(["org list", "user list", "devkey list", "apikey list", "accesskey list", "pairing list", "pairing connections"]));
    for (const command of lists) {
      const lines = format({ items: [worst, { ...worst, name: "short" }] }, command.columns);
      for (const line of lines) expect(line.length, `${command.cmd}: ${line}`).toBeLessThanOrEqual(100);
      const whole = command.columns!.find((c) => c.whole);
      if (whole) expect(lines[1], command.cmd).toContain(whole.label === "phoneNumber" ? worst.phoneNumber : worst.id);
    }
  });

  it("a list through the CLI fits too; --json prints the server's list as is", async () => {
    routes["GET /admin/organizations/o1/api-keys"] = [200, { items: [{ ...BEARER, id: worst.id, name: LONG, actions: [...KNOWN_ACTIONS], status: "active", expiresAt: null }] }];
    const run = await cli(["apikey", "list", "o1"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^id\s+name\s+role\s+status\s+actions\s+expires$/);
    expect(lines[1]).toMatch(new RegExp(`^${worst.id}  x+…  read-write  active  all\\s+-$`));
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    const json = await cli(["apikey", "list", "o1", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual(routes["GET /admin/organizations/o1/api-keys"]![1]);
  });

  it("accesskey create says the secret is sealed, not hashed", async () => {
    const run = await cli(["accesskey", "create", "o1", "--name", "sdk"]);
    expect(run.code).toBe(0);
    expect(only().body).toEqual({ name: "sdk" });
    expect(run.stdout).toContain("This secret is shown once — store it now; the server keeps it sealed (encrypted with ACCESS_KEY_ENCRYPTION_KEY");
    expect(run.stdout).not.toContain("hash");
  });

  it("pairing create prints the demo page of the new instance", async () => {
    const run = await cli(["pairing", "create", "o1", "--name", "Till"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${url}/instances/${INSTANCE.id}/pair#token=zit_INSTANCESECRET&clientToken=<Client-Token>`);
    expect(run.stdout).toContain("npm run admin -- pairing client-token o1");
  });
});
