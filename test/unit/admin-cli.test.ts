import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

// The CLI (scripts/admin.mjs) runs as a child process against a fake admin API on 127.0.0.1.
const ROOT = path.join(import.meta.dirname, "../..");
const CLI = path.join(ROOT, "scripts/admin.mjs");
const TOKEN = "test-token-0123";

interface Recorded {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

const ORG = { id: "4b0c7a52-9d1e-4f7e-8a51-0c1d2e3f4a5b", name: "Acme", whatsappEnabled: true, isDemo: false, createdAt: "2026-11-21T08:30:00+00:00" };
const USER = { id: "u_1", organizationId: ORG.id, name: "Ada", status: "inactive", apiKeyPrefix: "zak_3kTq" };
const DEVKEY = { id: "dk_1", userId: "u_1", label: "ci", allowlist: ["203.0.113.7", "2001:db8::/32"], revokedAt: null };
const BEARER = { id: "ak_1", name: "ci", role: "read-write", actions: ["cams:CreatePhoneMessageQrdl", "qr:write"] };

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
  "POST /admin/organizations/bad/brands": [
    400,
    { error: { code: "VALIDATION_FAILED", message: "name: Required", requestId: "req-42", issues: [{ field: "name", message: "Required" }] } },
  ],
};

let server: Server;
let url = "";
const requests: Recorded[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
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
      res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests.length = 0;
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI asynchronously (the fake server lives in this process, so no spawnSync). */
function cli(args: string[], withServer = true): Promise<Run> {
  const env = { ...process.env };
  delete env.ADMIN_TOKEN;
  delete env.EDGE_QR_URL;
  const argv = withServer ? [...args, "--url", url, "--token", TOKEN] : args;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], { cwd: ROOT, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
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

  it("apikey create sends role, actions and expiry", async () => {
    const run = await cli([
      "apikey", "create", "o1", "--name", "ci", "--role", "read-write",
      "--action", "cams:CreatePhoneMessageQrdl", "--action", "qr:write", "--expires", "2027-01-01T00:00:00Z",
    ]);
    expect(run.code).toBe(0);
    expect(only()).toMatchObject({
      method: "POST",
      url: "/admin/organizations/o1/api-keys",
      body: { name: "ci", role: "read-write", actions: ["cams:CreatePhoneMessageQrdl", "qr:write"], expiresAt: "2027-01-01T00:00:00Z" },
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
    expect(lines[0]).toMatch(/^id\s+name\s+whatsappEnabled\s+isDemo\s+createdAt$/);
    expect(lines[2]).toMatch(/^o2\s+Beta\s+false/);
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
    const run = await cli(["org", "list", "--url", `http://127.0.0.1:${port}`, "--token", TOKEN], false);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("npm start");
  });
});

describe("admin CLI help", () => {
  it("--help on the program lists every command", async () => {
    const { COMMANDS } = (await import(pathToFileURL(CLI).href)) as { COMMANDS: { cmd: string }[] };
    const run = await cli(["--help"], false);
    expect(run.code).toBe(0);
    for (const { cmd } of COMMANDS) expect(run.stdout).toContain(`  ${cmd}`);
  });

  it("--help works for every command in the table", async () => {
    const { COMMANDS } = (await import(pathToFileURL(CLI).href)) as { COMMANDS: { cmd: string }[] };
    expect(COMMANDS.length).toBeGreaterThanOrEqual(23);
    const runs = await Promise.all(COMMANDS.map(({ cmd }) => cli([...cmd.split(" "), "--help"], false)));
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
