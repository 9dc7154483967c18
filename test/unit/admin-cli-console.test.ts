import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

// The admin CLI's console sign-in commands (scripts/admin.mjs) against a fake admin API, as
// test/unit/admin-cli.test.ts tests the others.
const CLI = path.join(import.meta.dirname, "../../scripts/admin.mjs");
const USER = { id: "u_1", orgId: "o1", name: "Ada", email: "ada@example.com", status: "active", consoleRole: "editor", hasPassword: true };
const routes: Record<string, [number, unknown]> = {
  "PUT /admin/users/u_1/password": [200, { user: USER, password: "GeneratedPassword123" }],
  "PUT /admin/users/u_1/console-role": [200, USER],
  "POST /admin/users/u_1/sign-in-links": [201, { user: USER, purpose: "reset", url: "http://127.0.0.1:8787/console/#/set-password?token=abc", expiresAt: "2026-12-04T08:30:00+00:00" }],
};

let server: Server;
let url = "";
const requests: { method: string; url: string; body: unknown }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", body: raw ? JSON.parse(raw) : undefined });
      const [status, body] = routes[`${req.method} ${req.url}`] ?? [404, { error: { code: "NOT_FOUND", message: "No route", requestId: "r" } }];
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

function cli(args: string[], stdin = ""): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ADMIN_TOKEN: "t" };
  delete env.EDGE_QR_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, "--url", url], { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe("admin CLI: console sign-in", () => {
  it("user set-password without a password asks the server to generate one and prints it", async () => {
    const run = await cli(["user", "set-password", "u_1"]);
    expect(run.code, run.stderr).toBe(0);
    expect(requests).toEqual([{ method: "PUT", url: "/admin/users/u_1/password", body: {} }]);
    expect(run.stdout).toContain("GeneratedPassword123");
  });

  it("user set-password --password-stdin sends the first line of standard input, never an argument", async () => {
    const run = await cli(["user", "set-password", "u_1", "--password-stdin"], "a chosen password\nignored\n");
    expect(run.code, run.stderr).toBe(0);
    expect(requests[0]!.body).toEqual({ password: "a chosen password" });
  });

  it("user set-password --password-stdin keeps the password's spaces (only the line ending goes)", async () => {
    const run = await cli(["user", "set-password", "u_1", "--password-stdin"], "  spaced out password  \r\n");
    expect(run.code, run.stderr).toBe(0);
    expect(requests[0]!.body).toEqual({ password: "  spaced out password  " });
  });

  it("user set-password --password-stdin with nothing piped exits 1 without a request", async () => {
    const run = await cli(["user", "set-password", "u_1", "--password-stdin"]);
    expect(run.code).toBe(1);
    expect(requests).toHaveLength(0);
  });

  it("refuses --password-stdin with --token-stdin (one standard input)", async () => {
    const run = await cli(["user", "set-password", "u_1", "--password-stdin", "--token-stdin"]);
    expect(run.code).toBe(2);
    expect(requests).toHaveLength(0);
  });

  it("user role sends the role and refuses an unknown one before any request", async () => {
    expect((await cli(["user", "role", "u_1", "editor"])).code).toBe(0);
    expect(requests).toEqual([{ method: "PUT", url: "/admin/users/u_1/console-role", body: { role: "editor" } }]);
    requests.length = 0;
    expect((await cli(["user", "role", "u_1", "admin"])).code).toBe(2);
    expect(requests).toHaveLength(0);
  });

  it("user sign-in-link leaves the purpose to the server, or sends --reset / --invite, and prints the link", async () => {
    const run = await cli(["user", "sign-in-link", "u_1"]);
    expect(run.code, run.stderr).toBe(0);
    expect(requests[0]).toEqual({ method: "POST", url: "/admin/users/u_1/sign-in-links", body: {} });
    expect(run.stdout).toContain("/console/#/set-password?token=abc");
    await cli(["user", "sign-in-link", "u_1", "--reset"]);
    expect(requests[1]!.body).toEqual({ purpose: "reset" });
    expect((await cli(["user", "sign-in-link", "u_1", "--reset", "--invite"])).code).toBe(2);
  });
});
