import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seedApiKey } from "./seed";
import { request, seedPerson, signedIn } from "./session-support";

// The owner's settings (/organization/…) through HTTP with a console session.

describe("owner settings: who may use them", () => {
  it("refuses editors and viewers (403), no session (401), and API keys even read-write ones (403)", async () => {
    const editor = await signedIn({ role: "editor" });
    const viewer = await signedIn({ role: "viewer", orgId: editor.orgId });
    for (const person of [editor, viewer]) {
      const answer = await request("GET", "/organization/api_keys", { cookie: person.cookie });
      expect(answer.status).toBe(403);
      expect(answer.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
    }
    expect((await request("POST", "/organization/api_keys", { cookie: editor.cookie, body: { name: "k", role: "read-only" } })).status).toBe(403);
    expect((await request("GET", "/organization/users")).status).toBe(401);
    const { secret } = await seedApiKey(editor.orgId, { role: "read-write", actions: ["qr:ReadQrCode", "qr:WriteQrCode"] });
    expect((await request("GET", "/organization/api_keys", { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(403);
  });

  it("refuses an owner's write from another origin or without Origin", async () => {
    const owner = await signedIn();
    expect((await request("POST", "/organization/api_keys", { cookie: owner.cookie, body: { name: "k", role: "read-only" }, origin: "https://evil.example" })).status).toBe(403);
    expect((await request("POST", "/organization/api_keys", { cookie: owner.cookie, body: { name: "k", role: "read-only" }, origin: null })).status).toBe(403);
  });
});

describe("owner settings: API keys", () => {
  it("creates a key whose secret is shown once and works, lists it without the secret, and revokes it", async () => {
    const owner = await signedIn();
    const created = await request("POST", "/organization/api_keys", { cookie: owner.cookie, body: { name: "CI", role: "read-only" } });
    expect(created.status, created.text).toBe(201);
    expect(created.json.secret).toMatch(/^zbk_/);
    expect(created.json.apiKey).toMatchObject({ orgId: owner.orgId, name: "CI", role: "read-only", actions: ["cams:ListPhoneMessageQrdl", "qr:ReadQrCode"] });
    const auth = { Authorization: `Bearer ${created.json.secret}` };
    expect((await request("GET", "/qr_codes", { headers: auth })).status).toBe(200);

    const list = await request("GET", "/organization/api_keys", { cookie: owner.cookie });
    expect(list.status).toBe(200);
    expect(list.json.items.map((k: { id: string }) => k.id)).toEqual([created.json.apiKey.id]);
    expect(list.text).not.toContain(created.json.secret);
    expect(list.headers.get("Cache-Control")).toBe("no-store");

    const revoked = await request("POST", `/organization/api_keys/${created.json.apiKey.id}/revoke`, { cookie: owner.cookie });
    expect(revoked.status).toBe(200);
    expect(revoked.json.status).toBe("revoked");
    expect((await request("GET", "/qr_codes", { headers: auth })).status).toBe(401);
  });

  it("cannot revoke another organization's key (404)", async () => {
    const owner = await signedIn();
    const stranger = await signedIn();
    const { record } = await seedApiKey(stranger.orgId, { role: "read-only", actions: ["qr:ReadQrCode"] });
    expect((await request("POST", `/organization/api_keys/${record.id}/revoke`, { cookie: owner.cookie })).status).toBe(404);
  });
});

describe("owner settings: members and roles", () => {
  it("lists members with their roles and changes a role, which applies to the member's next request", async () => {
    const owner = await signedIn();
    const member = await signedIn({ role: "viewer", orgId: owner.orgId });
    const users = await request("GET", "/organization/users", { cookie: owner.cookie });
    expect(users.status).toBe(200);
    expect(users.json.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: owner.userId, consoleRole: "owner", hasPassword: true }),
        expect.objectContaining({ id: member.userId, consoleRole: "viewer" }),
      ]),
    );
    const promoted = await request("PUT", `/organization/users/${member.userId}/role`, { cookie: owner.cookie, body: { role: "editor" } });
    expect(promoted.status, promoted.text).toBe(200);
    expect(promoted.json.consoleRole).toBe("editor");
    expect((await request("GET", "/session", { cookie: member.cookie })).json.user.role).toBe("editor");
    expect((await request("POST", "/qr_codes", { cookie: member.cookie, body: { name: "x", type: "url", content: { url: "https://example.com" } } })).status).toBe(201);
  });

  it("keeps an owner: demoting the last one is a 409; another organization's user is a 404", async () => {
    const owner = await signedIn();
    const last = await request("PUT", `/organization/users/${owner.userId}/role`, { cookie: owner.cookie, body: { role: "viewer" } });
    expect(last.status).toBe(409);
    const second = await seedPerson({ role: "owner", orgId: owner.orgId });
    expect((await request("PUT", `/organization/users/${owner.userId}/role`, { cookie: owner.cookie, body: { role: "editor" } })).status).toBe(200);
    // The demoted owner's session now answers 403 on settings.
    expect((await request("GET", "/organization/users", { cookie: owner.cookie })).status).toBe(403);
    const stranger = await seedPerson();
    const other = await signedIn({ orgId: (await seedPerson()).orgId });
    expect((await request("PUT", `/organization/users/${stranger.userId}/role`, { cookie: other.cookie, body: { role: "viewer" } })).status).toBe(404);
    expect(second.userId).toBeTruthy();
  });
});

describe("owner settings: developer keys", () => {
  it("issues a key with an allowlist (secret once), lists it, replaces the allowlist and revokes it", async () => {
    const owner = await signedIn();
    const issued = await request("POST", "/organization/developer_keys", { cookie: owner.cookie, body: { label: "partner", allowlist: ["203.0.113.7", "2001:db8::/32"] } });
    expect(issued.status, issued.text).toBe(201);
    expect(issued.json.secret).toMatch(/^zdk_/);
    expect(issued.json.developerKey).toMatchObject({ userId: owner.userId, label: "partner", allowlist: ["203.0.113.7", "2001:db8::/32"], status: "active" });
    const id = issued.json.developerKey.id;

    const list = await request("GET", "/organization/developer_keys", { cookie: owner.cookie });
    expect(list.json.items.map((k: { id: string }) => k.id)).toEqual([id]);
    expect(list.text).not.toContain(issued.json.secret);

    const replaced = await request("PUT", `/organization/developer_keys/${id}/allowlist`, { cookie: owner.cookie, body: { allowlist: ["198.51.100.0/24"] } });
    expect(replaced.json.allowlist).toEqual(["198.51.100.0/24"]);
    const bad = await request("PUT", `/organization/developer_keys/${id}/allowlist`, { cookie: owner.cookie, body: { allowlist: ["not an address"] } });
    expect(bad.status).toBe(400);
    expect(bad.json.violations[0].propertyPath).toBe("allowlist.0");

    expect((await request("POST", `/organization/developer_keys/${id}/revoke`, { cookie: owner.cookie })).json.status).toBe("revoked");
  });

  it("issues only for users of the organization, and touches only its keys", async () => {
    const owner = await signedIn();
    const stranger = await signedIn();
    expect((await request("POST", "/organization/developer_keys", { cookie: owner.cookie, body: { userId: stranger.userId, allowlist: [] } })).status).toBe(404);
    const theirs = await request("POST", "/organization/developer_keys", { cookie: stranger.cookie, body: { allowlist: [] } });
    const id = theirs.json.developerKey.id;
    expect((await request("POST", `/organization/developer_keys/${id}/revoke`, { cookie: owner.cookie })).status).toBe(404);
    expect((await request("PUT", `/organization/developer_keys/${id}/allowlist`, { cookie: owner.cookie, body: { allowlist: [] } })).status).toBe(404);
    expect((await request("GET", "/organization/developer_keys", { cookie: owner.cookie })).json.items).toEqual([]);
  });
});

describe("fuzz: no body makes the owner settings fail", () => {
  const anyValue = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom("read-only", "read-write", "owner", "editor", "viewer", "qr:ReadQrCode", "203.0.113.7", "2001:db8::/32", "0.0.0.0/0", "", "\ud800", "x".repeat(300), "2000-01-01T00:00:00Z"),
    fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("qr:WriteQrCode", "10.0.0.0/8", "::/0")), { maxLength: 4 }),
  );
  const body = fc.oneof(
    fc.record({ name: anyValue, role: anyValue, actions: anyValue, expiresAt: anyValue, userId: anyValue, label: anyValue, allowlist: anyValue }, { requiredKeys: [] }),
    fc.dictionary(fc.string({ maxLength: 10 }), anyValue, { maxKeys: 4 }),
    fc.string({ maxLength: 60 }),
    anyValue,
  );

  it("writes under /organization answer below 500 whatever the body", async () => {
    const owner = await signedIn({ role: "owner" });
    const member = await seedPerson({ orgId: owner.orgId, role: "editor" });
    const issued = await request("POST", "/organization/developer_keys", { cookie: owner.cookie, body: { allowlist: [] } });
    const keyId = issued.json.developerKey.id as string;
    const targets: [string, string][] = [
      ["POST", "/organization/api_keys"],
      ["PUT", `/organization/users/${member.userId}/role`],
      ["POST", "/organization/developer_keys"],
      ["PUT", `/organization/developer_keys/${keyId}/allowlist`],
    ];
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom(...targets), async (input, [method, path]) => {
        const answer = await request(method, path, { cookie: owner.cookie, body: typeof input === "string" ? input : (JSON.stringify(input) ?? "null") });
        expect(answer.status, `${method} ${path} ${answer.text}`).toBeLessThan(500);
      }),
      { numRuns: 80 },
    );
  });
});
