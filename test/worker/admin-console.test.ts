import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PASSWORD, request, seedPerson, signedIn, signIn } from "./session-support";

// The admin API's console sign-in routes: a password, a role, a one-time link for a user.
const ADMIN = { Authorization: "Bearer test-admin-token" };
const admin = (method: string, path: string, body?: unknown) => request(method, `/admin${path}`, { headers: ADMIN, body, origin: null });

describe("admin: console passwords, roles and sign-in links", () => {
  it("sets a chosen password (the old one and its sessions stop working), or generates one shown once", async () => {
    const person = await seedPerson();
    const chosen = await admin("PUT", `/users/${person.userId}/password`, { password: "an operator's choice" });
    expect(chosen.status, chosen.text).toBe(200);
    expect(chosen.json).toEqual({ user: expect.objectContaining({ id: person.userId, hasPassword: true, consoleRole: "owner" }) });
    expect((await signIn(person.email, PASSWORD)).status).toBe(401);
    expect((await signIn(person.email, "an operator's choice")).status).toBe(200);

    const generated = await admin("PUT", `/users/${person.userId}/password`, {});
    expect(generated.status).toBe(200);
    expect(generated.json.password).toMatch(/^[0-9A-Za-z]{20}$/);
    expect((await signIn(person.email, generated.json.password)).status).toBe(200);
  });

  it("refuses a short password (400), an unknown user (404), a user without an email or with a taken one (409)", async () => {
    const person = await seedPerson();
    expect((await admin("PUT", `/users/${person.userId}/password`, { password: "short" })).status).toBe(400);
    expect((await admin("PUT", `/users/${crypto.randomUUID()}/password`, {})).status).toBe(404);
    const clash = await seedPerson({ password: null, email: person.email.toUpperCase() });
    const taken = await admin("PUT", `/users/${clash.userId}/password`, {});
    expect(taken.status).toBe(409);
    expect(taken.json.error.message).toContain("signs in with");
    expect((await admin("POST", `/users/${clash.userId}/sign-in-links`, {})).status).toBe(409);
  });

  it("deactivating a user or its organization ends its console sessions: activating again does not bring them back", async () => {
    const person = await signedIn();
    expect((await admin("POST", `/users/${person.userId}/deactivate`)).status).toBe(200);
    expect((await admin("POST", `/users/${person.userId}/activate`)).status).toBe(200);
    expect((await request("GET", "/session", { cookie: person.cookie })).status).toBe(401);
    expect((await signIn(person.email)).status).toBe(200);

    const member = await signedIn();
    const colleague = await signedIn({ orgId: member.orgId, role: "viewer" });
    const outsider = await signedIn();
    expect((await admin("POST", `/organizations/${member.orgId}/deactivate`)).status).toBe(200);
    expect((await admin("POST", `/organizations/${member.orgId}/activate`)).status).toBe(200);
    for (const cookie of [member.cookie, colleague.cookie]) expect((await request("GET", "/session", { cookie })).status).toBe(401);
    // Another organization's sessions are untouched.
    expect((await request("GET", "/session", { cookie: outsider.cookie })).status).toBe(200);
  });

  it("deleting a user deletes its sessions and links with it", async () => {
    const person = await signedIn();
    expect((await admin("POST", `/users/${person.userId}/sign-in-links`, {})).status).toBe(201);
    expect((await admin("DELETE", `/users/${person.userId}`)).status).toBe(204);
    expect((await request("GET", "/session", { cookie: person.cookie })).status).toBe(401);
    for (const table of ["console_sessions", "sign_in_links"]) expect(await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE user_id = ?1`).bind(person.userId).first("n"), table).toBe(0);
  });

  it("two users with one email given passwords at once: one succeeds, the other is the same 409 as when done in turn (never a 500)", async () => {
    const email = `shared-${crypto.randomUUID()}@example.com`;
    const first = await seedPerson({ password: null, email });
    const second = await seedPerson({ password: null, email: email.toUpperCase() });
    const answers = await Promise.all([first, second].map((person) => admin("PUT", `/users/${person.userId}/password`, { password: "a password for one" })));
    expect(answers.map((a) => a.status).sort(), answers.map((a) => a.text).join("\n")).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)!.json.error.message).toContain("signs in with");
  });

  it("sets a console role", async () => {
    const person = await seedPerson({ role: "owner" });
    const answer = await admin("PUT", `/users/${person.userId}/console-role`, { role: "viewer" });
    expect(answer.status).toBe(200);
    expect(answer.json.consoleRole).toBe("viewer");
    expect((await signIn(person.email)).json.user.role).toBe("viewer");
    expect((await admin("PUT", `/users/${person.userId}/console-role`, { role: "admin" })).status).toBe(400);
  });

  it("mints a one-time link to the console's set-password screen that works once", async () => {
    const person = await seedPerson({ password: null });
    const minted = await admin("POST", `/users/${person.userId}/sign-in-links`);
    expect(minted.status, minted.text).toBe(201);
    expect(minted.json.purpose).toBe("invite");
    expect(Date.parse(minted.json.expiresAt) - Date.now()).toBeGreaterThan(23.9 * 3600 * 1000);
    const url = new URL(minted.json.url);
    expect(url.origin + url.pathname).toBe("https://qr.test/console/");
    const token = new URLSearchParams(url.hash.replace(/^#\/set-password\?/, "")).get("token")!;
    expect((await request("POST", "/session/password", { body: { token, password: "chosen by the person" } })).status).toBe(200);
    expect((await request("POST", "/session/password", { body: { token, password: "chosen by the person" } })).status).toBe(410);
    // A user with a password gets a reset link by default.
    expect((await admin("POST", `/users/${person.userId}/sign-in-links`, {})).json.purpose).toBe("reset");
  });
});

describe("the demo organization's console user", () => {
  it("is an owner who signs in with the email and password shown once", async () => {
    // Another test file's demo may exist: demote it, as a fresh start would find none.
    await env.DB.prepare("UPDATE organizations SET is_demo = 0 WHERE is_demo = 1").run();
    const demo = await admin("POST", "/demo");
    expect(demo.status, demo.text).toBe(201);
    expect(demo.json.console).toEqual({ url: "https://qr.test/console/", email: expect.stringMatching(/^demo(-[0-9a-f]{8})?@example\.com$/), password: expect.stringMatching(/^[0-9A-Za-z]{20}$/) });
    expect(demo.json.user.email).toBe(demo.json.console.email);
    const session = await signIn(demo.json.console.email, demo.json.console.password);
    expect(session.status).toBe(200);
    expect(session.json.user.role).toBe("owner");
    expect(session.json.organization.id).toBe(demo.json.organization.id);
    // A second demo (the first demoted) still gets a sign-in email of its own.
    await env.DB.prepare("UPDATE organizations SET is_demo = 0 WHERE is_demo = 1").run();
    const again = await admin("POST", "/demo");
    expect(again.json.console.email).not.toBe(demo.json.console.email);
    expect((await signIn(again.json.console.email, again.json.console.password)).status).toBe(200);
  });
});
