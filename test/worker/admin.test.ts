import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ACTION_CATALOG, KNOWN_ACTIONS } from "../../src/auth/actions";
import { mintSecret } from "../../src/auth/secrets";
import { app } from "../../src/app";
import { findDeveloperKey, reissueDeveloperKey } from "../../src/db/accounts";

// Storage is shared by every test in this file: each test creates what it uses and never
// assumes a table is empty.

const TOKEN = "test-admin-token";
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SECRET_IN_TEXT = /z(ak|dk|bk)_[0-9A-Za-z]{36}/;

interface Organization { id: string; name: string; whatsappEnabled: boolean; isDemo: boolean; status: string; statusChangedAt: string | null; createdAt: string }
interface Brand { orgId: string; id: number; name: string; createdAt: string }
interface Member { id: string; orgId: string; name: string; email: string | null; createdAt: string }
interface User {
  id: string; orgId: string; memberId: string | null; name: string; email: string | null;
  status: "active" | "inactive"; apiKeyPrefix: string; createdAt: string; updatedAt: string;
}
interface DeveloperKey {
  id: string; userId: string; label: string | null; secretPrefix: string; allowlist: string[];
  status: "active" | "revoked"; replacesId: string | null; createdAt: string; revokedAt: string | null; lastUsedAt: string | null;
}
interface ApiKey {
  id: string; orgId: string; name: string; secretPrefix: string; role: string; actions: string[];
  status: "active" | "revoked"; expiresAt: string | null; createdAt: string; revokedAt: string | null; lastUsedAt: string | null;
}
interface ErrorBody { error: { code: string; message: string; requestId: string; issues?: { field: string; message: string }[] } }
interface Items<T> { items: T[] }

interface Answer<T> { status: number; headers: Headers; text: string; body: T }

async function call<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` }): Promise<Answer<T>> {
  const init: RequestInit = { method, headers: { ...headers, ...(body === undefined ? {} : { "Content-Type": "application/json" }) } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await exports.default.fetch(new Request(`https://qr.test${path}`, init));
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: (text ? JSON.parse(text) : null) as T };
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const unique = (label: string) => `${label} ${crypto.randomUUID().slice(0, 8)}`;

async function createOrg(input: { name?: string; whatsappEnabled?: boolean } = {}): Promise<Organization> {
  const res = await call<Organization>("POST", "/admin/organizations", { name: unique("Org"), ...input });
  expect(res.status).toBe(201);
  return res.body;
}

async function createUser(orgId: string, input: Record<string, unknown> = {}): Promise<{ user: User; apiKey: string }> {
  const res = await call<{ user: User; apiKey: string }>("POST", `/admin/organizations/${orgId}/users`, { name: unique("User"), ...input });
  expect(res.status).toBe(201);
  return res.body;
}

async function createDeveloperKey(userId: string, allowlist: string[] = ["203.0.113.7"], label?: string) {
  const res = await call<{ developerKey: DeveloperKey; secret: string }>("POST", `/admin/users/${userId}/developer-keys`, { allowlist, ...(label ? { label } : {}) });
  expect(res.status).toBe(201);
  return res.body;
}

async function createApiKey(orgId: string, input: Record<string, unknown> = {}) {
  const res = await call<{ apiKey: ApiKey; secret: string }>("POST", `/admin/organizations/${orgId}/api-keys`, {
    name: unique("Key"),
    role: "read-only",
    actions: ["qr:ReadQrCode"],
    ...input,
  });
  expect(res.status).toBe(201);
  return res.body;
}

/** Makes room for a fresh demo organization: earlier tests in this file may have created one. */
async function forgetDemo(): Promise<void> {
  await env.DB.prepare("UPDATE organizations SET is_demo = 0 WHERE is_demo = 1").run();
}

function expectError(res: Answer<unknown>, status: number, code: string): ErrorBody["error"] {
  expect(res.status).toBe(status);
  const { error } = res.body as ErrorBody;
  expect(error.code).toBe(code);
  expect(error.requestId).toBe(res.headers.get("X-Request-Id"));
  return error;
}

describe("admin authorization", () => {
  const unauthorized = async (headers: Record<string, string>) => {
    const res = await call("GET", "/admin/organizations", undefined, headers);
    expectError(res, 401, "UNAUTHORIZED");
    expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
  };

  it("refuses a request without an Authorization header", () => unauthorized({}));
  it("refuses a wrong token", () => unauthorized({ Authorization: "Bearer not-the-admin-token" }));
  it("refuses the right token under another scheme", () => unauthorized({ Authorization: `Basic ${TOKEN}` }));
  it("refuses a bare token without a scheme", () => unauthorized({ Authorization: TOKEN }));
  it("refuses tokens that differ from the right one only in length", async () => {
    await unauthorized({ Authorization: `Bearer ${TOKEN}x` });
    await unauthorized({ Authorization: `Bearer ${TOKEN.slice(0, -1)}` });
    await unauthorized({ Authorization: `Bearer ${"x".repeat(5000)}` });
    await unauthorized({ Authorization: "Bearer " });
  });

  it("guards every admin path, unknown ones included, before anything else", async () => {
    for (const [method, path] of [["POST", "/admin/demo"], ["GET", "/admin/users/nope"], ["DELETE", "/admin/nothing-here"]] as const) {
      expectError(await call(method, path, undefined, {}), 401, "UNAUTHORIZED");
    }
  });

  it("accepts the right token, with the scheme in any case", async () => {
    expect((await call("GET", "/admin/organizations", undefined, { Authorization: `bearer ${TOKEN}` })).status).toBe(200);
  });

  it("answers 503 ADMIN_DISABLED when ADMIN_TOKEN is unset or empty", async () => {
    for (const token of ["", undefined]) {
      const bindings = { ...env, ADMIN_TOKEN: token };
      const res = await app.fetch(new Request("https://qr.test/admin/organizations", { headers: { Authorization: "Bearer " } }), bindings);
      expect(res.status).toBe(503);
      expect((await res.json<ErrorBody>()).error.code).toBe("ADMIN_DISABLED");
    }
  });

  it("leaves routes outside /admin unguarded", async () => {
    expect((await call("GET", "/health", undefined, {})).status).toBe(200);
  });
});

describe("organizations", () => {
  it("creates, gets, lists and updates an organization", async () => {
    const name = unique("Acme");
    const created = await call<Organization>("POST", "/admin/organizations", { name: `  ${name} ` });
    expect(created.status).toBe(201);
    const org = created.body;
    expect(Object.keys(org).sort()).toEqual(["createdAt", "id", "isDemo", "name", "status", "statusChangedAt", "whatsappEnabled"]);
    expect(org).toMatchObject({ name, whatsappEnabled: false, isDemo: false, status: "active", statusChangedAt: null });
    expect(org.id).toMatch(UUID);
    expect(org.createdAt).toMatch(TIMESTAMP);

    expect((await call<Organization>("GET", `/admin/organizations/${org.id}`)).body).toEqual(org);

    const patched = await call<Organization>("PATCH", `/admin/organizations/${org.id}`, { whatsappEnabled: true });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ...org, whatsappEnabled: true });

    const list = await call<Items<Organization>>("GET", "/admin/organizations?limit=100");
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(0);
    expect(list.body.items.length).toBeLessThanOrEqual(100);
  });

  it("creates an organization with the WhatsApp product enabled", async () => {
    expect((await createOrg({ whatsappEnabled: true })).whatsappEnabled).toBe(true);
  });

  it("pages the list with limit and offset", async () => {
    for (let i = 0; i < 3; i++) await createOrg();
    const all = (await call<Items<Organization>>("GET", "/admin/organizations?limit=100")).body.items;
    expect(all.length).toBeGreaterThanOrEqual(3);
    const page = await call<Items<Organization>>("GET", "/admin/organizations?limit=2&offset=1");
    expect(page.body.items).toEqual(all.slice(1, 3));
  });

  it("defaults the page size to 50 and validates limit and offset", async () => {
    expect((await call<Items<Organization>>("GET", "/admin/organizations")).body.items.length).toBeLessThanOrEqual(50);
    for (const query of ["limit=0", "limit=101", "limit=abc", "offset=-1"]) {
      const error = expectError(await call("GET", `/admin/organizations?${query}`), 400, "VALIDATION_FAILED");
      expect(error.issues?.[0]?.field).toBe(query.split("=")[0]);
    }
  });

  it("validates the body with one issue per field", async () => {
    const error = expectError(await call("POST", "/admin/organizations", { name: "", whatsappEnabled: "yes" }), 400, "VALIDATION_FAILED");
    expect(error.issues?.map((i) => i.field).sort()).toEqual(["name", "whatsappEnabled"]);
    expectError(await call("POST", "/admin/organizations", { name: "x".repeat(201) }), 400, "VALIDATION_FAILED");
    expectError(await call("PATCH", `/admin/organizations/${(await createOrg()).id}`, {}), 400, "VALIDATION_FAILED");
  });

  it("answers 404 naming the kind for an unknown organization", async () => {
    const missing = crypto.randomUUID();
    for (const [method, path, body] of [
      ["GET", `/admin/organizations/${missing}`],
      ["PATCH", `/admin/organizations/${missing}`, { whatsappEnabled: true }],
      ["POST", `/admin/organizations/${missing}/brands`, { name: "B" }],
      ["GET", `/admin/organizations/${missing}/brands`],
      ["POST", `/admin/organizations/${missing}/members`, { name: "M" }],
      ["GET", `/admin/organizations/${missing}/members`],
      ["POST", `/admin/organizations/${missing}/users`, { name: "U" }],
      ["GET", `/admin/organizations/${missing}/users`],
      ["POST", `/admin/organizations/${missing}/api-keys`, { name: "K", role: "read-only", actions: [] }],
      ["GET", `/admin/organizations/${missing}/api-keys`],
    ] as const) {
      const error = expectError(await call(method, path, body), 404, "NOT_FOUND");
      expect(error.message).toBe("Organization not found");
    }
  });
});

describe("brands and members", () => {
  it("numbers brands per organization and lists them", async () => {
    const [a, b] = [await createOrg(), await createOrg()];
    const first = await call<Brand>("POST", `/admin/organizations/${a.id}/brands`, { name: "First" });
    expect(first.status).toBe(201);
    expect(Object.keys(first.body).sort()).toEqual(["createdAt", "id", "name", "orgId"]);
    expect(first.body).toMatchObject({ orgId: a.id, id: 1, name: "First" });
    expect((await call<Brand>("POST", `/admin/organizations/${a.id}/brands`, { name: "Second" })).body.id).toBe(2);
    expect((await call<Brand>("POST", `/admin/organizations/${b.id}/brands`, { name: "Other" })).body.id).toBe(1);
    const list = await call<Items<Brand>>("GET", `/admin/organizations/${a.id}/brands`);
    expect(list.body.items.map((x) => [x.id, x.name])).toEqual([[1, "First"], [2, "Second"]]);
  });

  it("creates and lists members", async () => {
    const org = await createOrg();
    const res = await call<Member>("POST", `/admin/organizations/${org.id}/members`, { name: "Ada", email: "ada@example.com" });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(["createdAt", "email", "id", "name", "orgId"]);
    expect(res.body).toMatchObject({ orgId: org.id, name: "Ada", email: "ada@example.com" });
    expect(res.body.id).toMatch(UUID);
    const noEmail = await call<Member>("POST", `/admin/organizations/${org.id}/members`, { name: "Bob" });
    expect(noEmail.body.email).toBeNull();
    const list = await call<Items<Member>>("GET", `/admin/organizations/${org.id}/members`);
    expect(list.body.items.map((m) => m.id).sort()).toEqual([res.body.id, noEmail.body.id].sort());
  });

  it("rejects a malformed member email", async () => {
    const org = await createOrg();
    const error = expectError(await call("POST", `/admin/organizations/${org.id}/members`, { name: "Eve", email: "not-an-email" }), 400, "VALIDATION_FAILED");
    expect(error.issues?.[0]?.field).toBe("email");
  });
});

describe("users", () => {
  it("creates a user with its api_key shown once, and never again", async () => {
    const org = await createOrg();
    const member = (await call<Member>("POST", `/admin/organizations/${org.id}/members`, { name: "Linked" })).body;
    const { user, apiKey } = await createUser(org.id, { name: "Grace", email: "grace@example.com", memberId: member.id });
    expect(apiKey).toMatch(/^zak_[0-9A-Za-z]{36}$/);
    expect(Object.keys(user).sort()).toEqual(["apiKeyPrefix", "createdAt", "email", "id", "memberId", "name", "orgId", "status", "updatedAt"]);
    expect(user).toMatchObject({ orgId: org.id, memberId: member.id, name: "Grace", email: "grace@example.com", status: "active" });
    expect(apiKey.startsWith(user.apiKeyPrefix.replace("…", ""))).toBe(true);
    expect(user.createdAt).toMatch(TIMESTAMP);

    const got = await call<User>("GET", `/admin/users/${user.id}`);
    expect(got.body).toEqual(user);
    const list = await call<Items<User>>("GET", `/admin/organizations/${org.id}/users`);
    expect(list.body.items).toEqual([user]);
    for (const text of [got.text, list.text]) {
      expect(text).not.toContain(apiKey);
      expect(text).not.toMatch(SECRET_IN_TEXT);
      expect(text).not.toMatch(/hash/i);
    }
  });

  it("refuses a memberId from another organization or unknown", async () => {
    const [org, other] = [await createOrg(), await createOrg()];
    const foreign = (await call<Member>("POST", `/admin/organizations/${other.id}/members`, { name: "Elsewhere" })).body;
    for (const memberId of [foreign.id, crypto.randomUUID()]) {
      const error = expectError(await call("POST", `/admin/organizations/${org.id}/users`, { name: "U", memberId }), 400, "VALIDATION_FAILED");
      expect(error.issues).toEqual([{ field: "memberId", message: expect.any(String) }]);
    }
    expect((await call<Items<User>>("GET", `/admin/organizations/${org.id}/users`)).body.items).toEqual([]);
  });

  it("deactivates and activates a user", async () => {
    const { user } = await createUser((await createOrg()).id);
    const off = await call<User>("POST", `/admin/users/${user.id}/deactivate`);
    expect(off.status).toBe(200);
    expect(off.body.status).toBe("inactive");
    expect((await call<User>("GET", `/admin/users/${user.id}`)).body.status).toBe("inactive");
    const on = await call<User>("POST", `/admin/users/${user.id}/activate`);
    expect(on.body.status).toBe("active");
    expect(on.body.id).toBe(user.id);
  });

  it("rotates the api_key: a new secret once, the old digest gone", async () => {
    const { user, apiKey } = await createUser((await createOrg()).id);
    const res = await call<{ user: User; apiKey: string }>("POST", `/admin/users/${user.id}/api-key/rotate`);
    expect(res.status).toBe(200);
    expect(res.body.apiKey).toMatch(/^zak_/);
    expect(res.body.apiKey).not.toBe(apiKey);
    expect(res.body.user.id).toBe(user.id);
    expect(res.body.user.apiKeyPrefix).toBe(`${res.body.apiKey.slice(0, 8)}…`);
    const row = await env.DB.prepare("SELECT api_key_hash FROM users WHERE id = ?1").bind(user.id).first<{ api_key_hash: string }>();
    expect(row?.api_key_hash).toBe(await sha256Hex(res.body.apiKey));
  });

  it("answers 404 naming the kind for an unknown user", async () => {
    const missing = crypto.randomUUID();
    for (const [method, path, body] of [
      ["GET", `/admin/users/${missing}`],
      ["POST", `/admin/users/${missing}/activate`],
      ["POST", `/admin/users/${missing}/deactivate`],
      ["POST", `/admin/users/${missing}/api-key/rotate`],
      ["POST", `/admin/users/${missing}/developer-keys`, { allowlist: [] }],
      ["GET", `/admin/users/${missing}/developer-keys`],
    ] as const) {
      expect(expectError(await call(method, path, body), 404, "NOT_FOUND").message).toBe("User not found");
    }
  });
});

describe("developer keys", () => {
  it("issues a key with its secret once and lists it without the secret", async () => {
    const { user } = await createUser((await createOrg()).id);
    const { developerKey, secret } = await createDeveloperKey(user.id, ["203.0.113.7", "10.0.0.0/8"], "CI runner");
    expect(secret).toMatch(/^zdk_[0-9A-Za-z]{36}$/);
    expect(Object.keys(developerKey).sort()).toEqual(
      ["allowlist", "createdAt", "id", "label", "lastUsedAt", "replacesId", "revokedAt", "secretPrefix", "status", "userId"],
    );
    expect(developerKey).toMatchObject({
      userId: user.id, label: "CI runner", allowlist: ["203.0.113.7", "10.0.0.0/8"], status: "active",
      replacesId: null, revokedAt: null, lastUsedAt: null, secretPrefix: `${secret.slice(0, 8)}…`,
    });
    const list = await call<Items<DeveloperKey>>("GET", `/admin/users/${user.id}/developer-keys`);
    expect(list.body.items).toEqual([developerKey]);
    expect(list.text).not.toMatch(SECRET_IN_TEXT);
    expect(list.text).not.toMatch(/hash/i);
  });

  it("stores allowlist entries canonicalised and de-duplicated; an empty list is allowed", async () => {
    const { user } = await createUser((await createOrg()).id);
    const { developerKey } = await createDeveloperKey(user.id, [
      "2001:0db8:0000:0000:0000:0000:0000:0001",
      "::ffff:127.0.0.1",
      "2001:db8::1",
      " 192.0.2.77/24 ",
      "127.0.0.1",
      "::ffff:10.0.0.0/104",
      "[::1]",
    ]);
    expect(developerKey.allowlist).toEqual(["2001:db8::1", "127.0.0.1", "192.0.2.0/24", "10.0.0.0/8", "::1"]);
    const row = await env.DB.prepare("SELECT allowlist FROM developer_keys WHERE id = ?1").bind(developerKey.id).first<{ allowlist: string }>();
    expect(JSON.parse(row!.allowlist)).toEqual(developerKey.allowlist);

    expect((await createDeveloperKey(user.id, [])).developerKey.allowlist).toEqual([]);
  });

  it("rejects invalid entries with one issue per bad entry, naming its index and value", async () => {
    const { user } = await createUser((await createOrg()).id);
    const res = await call("POST", `/admin/users/${user.id}/developer-keys`, {
      allowlist: ["203.0.113.7", "garbage", "10.0.0.0/33", "::1", "1.2.3.4/8/9"],
    });
    const error = expectError(res, 400, "VALIDATION_FAILED");
    expect(error.issues?.map((i) => i.field)).toEqual(["allowlist.1", "allowlist.2", "allowlist.4"]);
    expect(error.issues?.[0]?.message).toContain('"garbage"');
    expect(error.issues?.[1]?.message).toContain('"10.0.0.0/33"');
    expect((await call<Items<DeveloperKey>>("GET", `/admin/users/${user.id}/developer-keys`)).body.items).toEqual([]);
  });

  it("limits the allowlist to 100 entries and requires it", async () => {
    const { user } = await createUser((await createOrg()).id);
    const many = Array.from({ length: 101 }, (_, i) => `10.0.${Math.floor(i / 256)}.${i % 256}`);
    expect(expectError(await call("POST", `/admin/users/${user.id}/developer-keys`, { allowlist: many }), 400, "VALIDATION_FAILED").issues?.[0]?.field).toBe("allowlist");
    expect(expectError(await call("POST", `/admin/users/${user.id}/developer-keys`, {}), 400, "VALIDATION_FAILED").issues?.[0]?.field).toBe("allowlist");
    expect((await createDeveloperKey(user.id, many.slice(0, 100))).developerKey.allowlist).toHaveLength(100);
  });

  it("replaces the allowlist with validated, canonical entries", async () => {
    const { user } = await createUser((await createOrg()).id);
    const { developerKey } = await createDeveloperKey(user.id);
    const res = await call<DeveloperKey>("PUT", `/admin/developer-keys/${developerKey.id}/allowlist`, {
      allowlist: ["2001:DB8:0:0:1::/64", "198.51.100.9", "198.51.100.9"],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...developerKey, allowlist: ["2001:db8::/64", "198.51.100.9"] });
    const bad = expectError(await call("PUT", `/admin/developer-keys/${developerKey.id}/allowlist`, { allowlist: ["1.1.1.1", "1.1.1"] }), 400, "VALIDATION_FAILED");
    expect(bad.issues).toEqual([{ field: "allowlist.1", message: expect.stringContaining('"1.1.1"') }]);
    const cleared = await call<DeveloperKey>("PUT", `/admin/developer-keys/${developerKey.id}/allowlist`, { allowlist: [] });
    expect(cleared.body.allowlist).toEqual([]);
  });

  it("revokes idempotently", async () => {
    const { user } = await createUser((await createOrg()).id);
    const { developerKey } = await createDeveloperKey(user.id);
    const first = await call<DeveloperKey>("POST", `/admin/developer-keys/${developerKey.id}/revoke`);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe("revoked");
    expect(first.body.revokedAt).toMatch(TIMESTAMP);
    const second = await call<DeveloperKey>("POST", `/admin/developer-keys/${developerKey.id}/revoke`);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
  });

  it("reissues: the old key revoked, a new secret for the same user, label and allowlist", async () => {
    const { user } = await createUser((await createOrg()).id);
    const old = await createDeveloperKey(user.id, ["192.0.2.0/24", "::1"], "Partner");
    const res = await call<{ developerKey: DeveloperKey; secret: string }>("POST", `/admin/developer-keys/${old.developerKey.id}/reissue`);
    expect(res.status).toBe(201);
    const { developerKey, secret } = res.body;
    expect(secret).toMatch(/^zdk_/);
    expect(secret).not.toBe(old.secret);
    expect(developerKey).toMatchObject({ userId: user.id, label: "Partner", allowlist: ["192.0.2.0/24", "::1"], status: "active", replacesId: old.developerKey.id });
    expect(developerKey.id).not.toBe(old.developerKey.id);

    const list = (await call<Items<DeveloperKey>>("GET", `/admin/users/${user.id}/developer-keys`)).body.items;
    const byId = new Map(list.map((k) => [k.id, k]));
    expect(byId.get(old.developerKey.id)?.status).toBe("revoked");
    expect(byId.get(developerKey.id)?.status).toBe("active");

    // The replaced key is revoked now, and a revoked key is never reissued: that would bring back
    // access someone took away. The answer names the live replacement.
    const again = await call("POST", `/admin/developer-keys/${old.developerKey.id}/reissue`);
    expect(expectError(again, 409, "DEVELOPER_KEY_REVOKED").message).toContain(`reissue its replacement ${developerKey.id}`);
    const after = (await call<Items<DeveloperKey>>("GET", `/admin/users/${user.id}/developer-keys`)).body.items;
    expect(after.map((k) => [k.id, k.status])).toEqual(list.map((k) => [k.id, k.status]));
  });

  it("refuses to reissue a key revoked by hand, issuing nothing", async () => {
    const { user } = await createUser((await createOrg()).id);
    const { developerKey } = await createDeveloperKey(user.id);
    expect((await call("POST", `/admin/developer-keys/${developerKey.id}/revoke`)).status).toBe(200);
    const res = await call("POST", `/admin/developer-keys/${developerKey.id}/reissue`);
    const error = expectError(res, 409, "DEVELOPER_KEY_REVOKED");
    expect(error.message).toBe("This developer key is revoked and cannot be reissued; issue a new key for the user");
    const keys = (await call<Items<DeveloperKey>>("GET", `/admin/users/${user.id}/developer-keys`)).body.items;
    expect(keys.map((k) => k.status)).toEqual(["revoked"]);
  });

  async function successors(keyId: string): Promise<{ id: string; status: string }[]> {
    const { results } = await env.DB.prepare("SELECT id, status FROM developer_keys WHERE replaces_id = ?1").bind(keyId).all<{ id: string; status: string }>();
    return results;
  }

  it("concurrent reissues of one key issue exactly one replacement", async () => {
    const { user } = await createUser((await createOrg()).id);
    const old = await createDeveloperKey(user.id, ["192.0.2.1"], "Partner");
    const answers = await Promise.all(Array.from({ length: 6 }, () => call<{ developerKey: DeveloperKey; secret: string }>("POST", `/admin/developer-keys/${old.developerKey.id}/reissue`)));
    const won = answers.filter((a) => a.status === 201);
    expect(won).toHaveLength(1);
    // A loser either read the key before the winner revoked it (CONFLICT) or after (DEVELOPER_KEY_REVOKED).
    for (const lost of answers.filter((a) => a.status !== 201)) {
      expect(lost.status).toBe(409);
      expect(["CONFLICT", "DEVELOPER_KEY_REVOKED"]).toContain((lost.body as unknown as ErrorBody).error.code);
    }
    expect(await successors(old.developerKey.id)).toEqual([{ id: won[0]!.body.developerKey.id, status: "active" }]);
    const keys = (await call<Items<DeveloperKey>>("GET", `/admin/users/${user.id}/developer-keys`)).body.items;
    expect(keys.filter((k) => k.status === "active").map((k) => k.id)).toEqual([won[0]!.body.developerKey.id]);
  });

  it("the reissue batch writes nothing for a key that is no longer active", async () => {
    const { user } = await createUser((await createOrg()).id);
    const old = await createDeveloperKey(user.id);
    const minted = async () => {
      const secret = await mintSecret("developerSecret");
      return { secretHash: secret.hash, secretPrefix: secret.prefix };
    };
    // Two reissues that both saw the key active: the first wins, the second changes nothing.
    const first = await reissueDeveloperKey(env.DB, old.developerKey.id, await minted());
    expect(first).toMatchObject({ replacesId: old.developerKey.id, status: "active", label: null, allowlist: ["203.0.113.7"], userId: user.id });
    expect(await reissueDeveloperKey(env.DB, old.developerKey.id, await minted())).toBeNull();
    expect(await successors(old.developerKey.id)).toEqual([{ id: first!.id, status: "active" }]);
    expect((await findDeveloperKey(env.DB, old.developerKey.id))?.status).toBe("revoked");
    expect(await reissueDeveloperKey(env.DB, crypto.randomUUID(), await minted())).toBeNull();
  });

  it("answers 404 naming the kind for an unknown developer key", async () => {
    const missing = crypto.randomUUID();
    for (const [method, path, body] of [
      ["PUT", `/admin/developer-keys/${missing}/allowlist`, { allowlist: [] }],
      ["POST", `/admin/developer-keys/${missing}/revoke`],
      ["POST", `/admin/developer-keys/${missing}/reissue`],
    ] as const) {
      expect(expectError(await call(method, path, body), 404, "NOT_FOUND").message).toBe("Developer key not found");
    }
  });
});

describe("bearer API keys", () => {
  it("creates a key with its secret once and lists it without the secret", async () => {
    const org = await createOrg();
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const { apiKey, secret } = await createApiKey(org.id, {
      name: "Integration", role: "read-write", actions: ["cams:CreatePhoneMessageQrdl", "qr:ReadQrCode", "cams:CreatePhoneMessageQrdl"], expiresAt,
    });
    expect(secret).toMatch(/^zbk_[0-9A-Za-z]{36}$/);
    expect(Object.keys(apiKey).sort()).toEqual(
      ["actions", "createdAt", "expiresAt", "id", "lastUsedAt", "name", "orgId", "revokedAt", "role", "secretPrefix", "status"],
    );
    expect(apiKey).toMatchObject({
      orgId: org.id, name: "Integration", role: "read-write", actions: ["cams:CreatePhoneMessageQrdl", "qr:ReadQrCode"],
      status: "active", revokedAt: null, lastUsedAt: null, secretPrefix: `${secret.slice(0, 8)}…`,
    });
    expect(apiKey.expiresAt).toMatch(TIMESTAMP);
    expect(Date.parse(apiKey.expiresAt!)).toBe(Math.floor(Date.parse(expiresAt) / 1000) * 1000);

    const list = await call<Items<ApiKey>>("GET", `/admin/organizations/${org.id}/api-keys`);
    expect(list.body.items).toEqual([apiKey]);
    expect(list.text).not.toMatch(SECRET_IN_TEXT);
    expect(list.text).not.toMatch(/hash/i);
  });

  it("accepts a key without expiry and with an empty action list", async () => {
    const { apiKey } = await createApiKey((await createOrg()).id, { actions: [] });
    expect(apiKey.expiresAt).toBeNull();
    expect(apiKey.actions).toEqual([]);
  });

  it("validates role, actions and expiry", async () => {
    const org = await createOrg();
    const post = (body: Record<string, unknown>) =>
      call("POST", `/admin/organizations/${org.id}/api-keys`, { name: "K", role: "read-only", actions: [], ...body });
    expect(expectError(await post({ role: "admin" }), 400, "VALIDATION_FAILED").issues?.[0]?.field).toBe("role");
    expect(expectError(await post({ actions: ["qr:ReadQrCode", "qr:Nope"] }), 400, "VALIDATION_FAILED").issues?.[0]?.field).toBe("actions.1");
    expect(expectError(await post({ actions: Array.from({ length: 51 }, () => "qr:ReadQrCode") }), 400, "VALIDATION_FAILED").issues?.[0]?.field).toBe("actions");
    expect(expectError(await post({ expiresAt: "2001-01-01T00:00:00Z" }), 400, "VALIDATION_FAILED").issues?.[0]?.field).toBe("expiresAt");
    expect(expectError(await post({ expiresAt: "tomorrow" }), 400, "VALIDATION_FAILED").issues?.[0]?.field).toBe("expiresAt");
    expect(expectError(await post({ name: undefined }), 400, "VALIDATION_FAILED").issues?.[0]?.field).toBe("name");
    expect((await call<Items<ApiKey>>("GET", `/admin/organizations/${org.id}/api-keys`)).body.items).toEqual([]);
  });

  it("grants the role's actions when none are named: every read action, or every action", async () => {
    const org = await createOrg();
    const create = async (role: string) => {
      const res = await call<{ apiKey: ApiKey; secret: string }>("POST", `/admin/organizations/${org.id}/api-keys`, { name: role, role });
      expect(res.status).toBe(201);
      return res.body;
    };
    const readOnly = await create("read-only");
    expect(readOnly.apiKey.actions).toEqual(["cams:ListPhoneMessageQrdl", "qr:ReadQrCode"]);
    expect(readOnly.apiKey.actions).toEqual(KNOWN_ACTIONS.filter((action) => ACTION_CATALOG[action].access === "read"));
    expect((await create("read-write")).apiKey.actions).toEqual([...KNOWN_ACTIONS]);
    // The key it makes can do its job: a read-only key reads codes.
    const listed = await exports.default.fetch(new Request("https://qr.test/qr_codes", { headers: { Authorization: `Bearer ${readOnly.secret}` } }));
    expect(listed.status).toBe(200);
  });

  it("documents the action catalog and the defaults in the OpenAPI document", async () => {
    const doc = (await call<any>("GET", "/openapi.json", undefined, {})).body;
    const schema = doc.paths["/admin/organizations/{orgId}/api-keys"].post.requestBody.content["application/json"].schema;
    const actions = (schema.properties ?? doc.components.schemas[schema.$ref?.split("/").pop()]?.properties).actions;
    expect(actions.items.enum).toEqual([...KNOWN_ACTIONS]);
    for (const action of KNOWN_ACTIONS) expect(actions.description).toContain(action);
    expect(actions.description).toContain("Omitted: every action its role can use");
  });

  it("revokes idempotently and answers 404 for an unknown key", async () => {
    const { apiKey } = await createApiKey((await createOrg()).id);
    const first = await call<ApiKey>("POST", `/admin/api-keys/${apiKey.id}/revoke`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: apiKey.id, status: "revoked" });
    expect(first.body.revokedAt).toMatch(TIMESTAMP);
    expect((await call<ApiKey>("POST", `/admin/api-keys/${apiKey.id}/revoke`)).body).toEqual(first.body);
    expect(expectError(await call("POST", `/admin/api-keys/${crypto.randomUUID()}/revoke`), 404, "NOT_FOUND").message).toBe("API key not found");
  });
});

interface DemoCreated {
  created: true; organization: Organization; brand: Brand; member: Member; user: User; apiKey: string;
  developerKey: DeveloperKey; developerSecret: string; bearerKey: ApiKey; bearerSecret: string;
}

describe("demo seeding", () => {
  it("undoes a half-created demo so the next start can try again", async () => {
    await forgetDemo();
    const prepare = env.DB.prepare.bind(env.DB);
    const failing = vi.spyOn(env.DB, "prepare").mockImplementation((sql: string) => {
      if (sql.startsWith("INSERT INTO brands")) throw new Error("simulated D1 failure");
      return prepare(sql);
    });
    const broken = await call("POST", "/admin/demo");
    failing.mockRestore();
    expect(broken.status).toBe(500);
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM organizations WHERE is_demo = 1").first<{ n: number }>();
    expect(left?.n).toBe(0);
    const retry = await call<{ created: boolean }>("POST", "/admin/demo");
    expect(retry.status).toBe(201);
    expect(retry.body.created).toBe(true);
  });

  it("creates the demo organization with every kind of credential, then answers created:false", async () => {
    await forgetDemo();
    const first = await call<DemoCreated>("POST", "/admin/demo");
    expect(first.status).toBe(201);
    const demo = first.body;
    expect(demo.created).toBe(true);
    expect(demo.organization).toMatchObject({ name: "Demo organization", isDemo: true, whatsappEnabled: true });
    expect(demo.brand).toMatchObject({ orgId: demo.organization.id, name: "Demo brand", id: 1 });
    expect(demo.member).toMatchObject({ orgId: demo.organization.id, name: "Demo member" });
    expect(demo.user).toMatchObject({ orgId: demo.organization.id, name: "Demo user", status: "active", memberId: demo.member.id });
    expect(demo.apiKey).toMatch(/^zak_/);
    expect(demo.developerKey).toMatchObject({ userId: demo.user.id, label: "Demo developer", allowlist: ["127.0.0.1", "::1"], status: "active" });
    expect(demo.developerSecret).toMatch(/^zdk_/);
    expect(demo.bearerKey).toMatchObject({ orgId: demo.organization.id, name: "Demo key", role: "read-write", actions: [...KNOWN_ACTIONS] });
    expect(demo.bearerSecret).toMatch(/^zbk_/);

    const second = await call<{ created: boolean; organization: Organization }>("POST", "/admin/demo");
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ created: false, organization: demo.organization });
    expect(second.text).not.toMatch(SECRET_IN_TEXT);
  });

  it("writes the demo in one batch: a statement failing inside D1 leaves no row behind", async () => {
    await forgetDemo();
    const tables = ["organizations", "brands", "members", "users", "developer_keys", "api_keys"];
    const count = async () =>
      Promise.all(tables.map(async (t) => (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${t}`).first<{ n: number }>())!.n));
    const before = await count();
    const prepare = env.DB.prepare.bind(env.DB);
    // The last statement of the batch breaks a CHECK constraint when D1 runs it, after the
    // organization, brand, member, user and developer key statements have run.
    const failing = vi.spyOn(env.DB, "prepare").mockImplementation((sql: string) =>
      prepare(sql.startsWith("INSERT INTO api_keys") ? sql.replace("'active', ?8", "'bogus', ?8") : sql),
    );
    const broken = await call("POST", "/admin/demo");
    failing.mockRestore();
    expect(broken.status).toBe(500);
    expect(await count()).toEqual(before);
    const retry = await call<{ created: boolean }>("POST", "/admin/demo");
    expect(retry.status).toBe(201);
  });

  it("creates exactly one demo organization when called concurrently", async () => {
    await forgetDemo();
    const answers = await Promise.all(Array.from({ length: 4 }, () => call<{ created: boolean; organization: Organization }>("POST", "/admin/demo")));
    expect(answers.filter((a) => a.status === 201 && a.body.created)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200 && !a.body.created)).toHaveLength(3);
    expect(new Set(answers.map((a) => a.body.organization.id)).size).toBe(1);
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM organizations WHERE is_demo = 1").first<{ n: number }>())!;
    expect(n).toBe(1);
  });
});

describe("request body cap (64 KiB), counted while the body streams", () => {
  const chunked = (text: string, headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` }) => {
    const bytes = new TextEncoder().encode(text);
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(offset, offset + 8192));
        offset += 8192;
      },
    });
    const request = new Request("https://qr.test/admin/organizations", { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body });
    expect(request.headers.has("content-length")).toBe(false);
    return exports.default.fetch(request);
  };
  const padded = (bytes: number) => {
    const head = JSON.stringify({ name: unique("Padded"), pad: "" });
    return head.replace('"pad":""', `"pad":"${"x".repeat(bytes - head.length)}"`);
  };

  it("refuses a chunked body over the cap with 413 in the platform envelope", async () => {
    const res = await chunked(padded(64 * 1024 + 1));
    expect(res.status).toBe(413);
    const body = await res.json<ErrorBody>();
    expect(body.error.code).toBe("REQUEST_TOO_LARGE");
    expect(body.error.requestId).toBe(res.headers.get("X-Request-Id"));
  });

  it("accepts a chunked body at the cap", async () => {
    const res = await chunked(padded(64 * 1024));
    expect(res.status).toBe(201);
    expect((await res.json<Organization>()).name).toMatch(/^Padded /);
  });

  it("authenticates before reading the body", async () => {
    const res = await chunked(padded(100 * 1024), {});
    expect(res.status).toBe(401);
  });
});

describe("secrets at rest", () => {
  it("keeps no plaintext secret anywhere in D1, only SHA-256 digests", async () => {
    const secrets: string[] = [];
    const expectedDigests: { table: string; column: string; id: string; secret: string }[] = [];

    const org = await createOrg();
    const created = await createUser(org.id);
    secrets.push(created.apiKey);
    const rotated = (await call<{ user: User; apiKey: string }>("POST", `/admin/users/${created.user.id}/api-key/rotate`)).body;
    secrets.push(rotated.apiKey);
    expectedDigests.push({ table: "users", column: "api_key_hash", id: created.user.id, secret: rotated.apiKey });

    const dev = await createDeveloperKey(created.user.id, ["198.51.100.0/24"]);
    secrets.push(dev.secret);
    expectedDigests.push({ table: "developer_keys", column: "secret_hash", id: dev.developerKey.id, secret: dev.secret });
    const reissued = (await call<{ developerKey: DeveloperKey; secret: string }>("POST", `/admin/developer-keys/${dev.developerKey.id}/reissue`)).body;
    secrets.push(reissued.secret);
    expectedDigests.push({ table: "developer_keys", column: "secret_hash", id: reissued.developerKey.id, secret: reissued.secret });

    const bearer = await createApiKey(org.id);
    secrets.push(bearer.secret);
    expectedDigests.push({ table: "api_keys", column: "secret_hash", id: bearer.apiKey.id, secret: bearer.secret });

    await forgetDemo();
    const demo = (await call<DemoCreated>("POST", "/admin/demo")).body;
    secrets.push(demo.apiKey, demo.developerSecret, demo.bearerSecret);
    expectedDigests.push(
      { table: "users", column: "api_key_hash", id: demo.user.id, secret: demo.apiKey },
      { table: "developer_keys", column: "secret_hash", id: demo.developerKey.id, secret: demo.developerSecret },
      { table: "api_keys", column: "secret_hash", id: demo.bearerKey.id, secret: demo.bearerSecret },
    );
    expect(secrets.every((s) => /^z(ak|dk|bk)_/.test(s))).toBe(true);

    const { results: tables } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>();
    const scanned = tables.map((t) => t.name).filter((name) => !name.startsWith("_cf_") && !name.startsWith("sqlite_"));
    expect(scanned).toEqual(expect.arrayContaining(["organizations", "users", "developer_keys", "api_keys"]));
    let cells = 0;
    for (const table of scanned) {
      const { results } = await env.DB.prepare(`SELECT * FROM "${table.replaceAll('"', '""')}"`).all<Record<string, unknown>>();
      for (const row of results) {
        for (const value of Object.values(row)) {
          cells++;
          const text = value instanceof ArrayBuffer ? new TextDecoder().decode(value) : String(value);
          for (const secret of secrets) expect(text, `${table} holds a plaintext secret`).not.toContain(secret);
          // No secret of any kind, even one this test did not see, is stored whole.
          expect(text).not.toMatch(SECRET_IN_TEXT);
        }
      }
    }
    expect(cells).toBeGreaterThan(0);

    for (const { table, column, id, secret } of expectedDigests) {
      const row = await env.DB.prepare(`SELECT ${column} AS digest FROM ${table} WHERE id = ?1`).bind(id).first<{ digest: string }>();
      expect(row?.digest, `${table}.${column}`).toBe(await sha256Hex(secret));
    }
    // The replaced api_key's digest is gone.
    const stale = await env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE api_key_hash = ?1").bind(await sha256Hex(created.apiKey)).first<{ n: number }>();
    expect(stale?.n).toBe(0);
  });
});

describe("OpenAPI document", () => {
  it("lists every admin path under the Admin tag with the bearer scheme", async () => {
    const res = await call<{
      paths: Record<string, Record<string, { tags?: string[]; security?: unknown[] }>>;
      components?: { securitySchemes?: Record<string, unknown>; schemas?: Record<string, unknown> };
    }>("GET", "/openapi.json", undefined, {});
    expect(res.status).toBe(200);
    const doc = res.body;
    const expected: Record<string, string[]> = {
      "/admin/organizations": ["get", "post"],
      "/admin/organizations/{orgId}": ["delete", "get", "patch"],
      "/admin/organizations/{orgId}/deactivate": ["post"],
      "/admin/organizations/{orgId}/activate": ["post"],
      "/admin/organizations/{orgId}/brands": ["get", "post"],
      "/admin/organizations/{orgId}/members": ["get", "post"],
      "/admin/organizations/{orgId}/users": ["get", "post"],
      "/admin/users/{userId}": ["delete", "get"],
      "/admin/users/{userId}/activate": ["post"],
      "/admin/users/{userId}/deactivate": ["post"],
      "/admin/users/{userId}/api-key/rotate": ["post"],
      "/admin/users/{userId}/developer-keys": ["get", "post"],
      "/admin/developer-keys/{keyId}/allowlist": ["put"],
      "/admin/developer-keys/{keyId}/revoke": ["post"],
      "/admin/developer-keys/{keyId}/reissue": ["post"],
      "/admin/organizations/{orgId}/api-keys": ["get", "post"],
      "/admin/api-keys/{keyId}/revoke": ["post"],
      "/admin/demo": ["post"],
    };
    for (const [path, methods] of Object.entries(expected)) {
      expect(Object.keys(doc.paths[path] ?? {}).sort(), path).toEqual(methods);
      for (const method of methods) {
        expect(doc.paths[path]![method]!.tags).toEqual(["Admin"]);
        expect(doc.paths[path]![method]!.security).toEqual([{ adminToken: [] }]);
      }
    }
    expect(doc.components?.securitySchemes?.adminToken).toMatchObject({ type: "http", scheme: "bearer" });
    for (const name of ["Organization", "Brand", "Member", "User", "DeveloperKey", "ApiKey"]) expect(doc.components?.schemas).toHaveProperty(name);
  });
});
