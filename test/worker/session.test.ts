import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PASSWORD_ITERATIONS } from "../../src/auth/passwords";
import { hashSecret } from "../../src/auth/secrets";
import { mintSignInLink, newToken, setUserPassword } from "../../src/auth/sessions";
import { insertSignInLinkStatement } from "../../src/db/console";
import { ACCOUNT_FAILURE_LIMIT, FAILURE_WINDOW_MS, type SignInGate } from "../../src/objects/sign-in-gate";
import { setUserStatus } from "../../src/db/accounts";
import { PDF_FIXTURE } from "../support/media-fixtures";
import { seedApiKey } from "./seed";
import { cookieFrom, deactivateOrganization, ORIGIN, PASSWORD, request, seedPerson, signedIn, signIn, uniqueAddress, URL_CODE } from "./session-support";

afterEach(() => vi.restoreAllMocks());

describe("POST /session: sign in", () => {
  it("answers the user, organization and expiry, and sets an HttpOnly, SameSite=Lax, Secure cookie", async () => {
    const person = await seedPerson({ role: "editor" });
    const answer = await signIn(person.email.toUpperCase());
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json.user).toEqual({ id: person.userId, name: "Person", email: person.email, role: "editor" });
    expect(answer.json.organization.id).toBe(person.orgId);
    const expires = Date.parse(answer.json.expiresAt);
    expect(expires - Date.now()).toBeGreaterThan(13.9 * 24 * 3600 * 1000);
    expect(expires - Date.now()).toBeLessThanOrEqual(14 * 24 * 3600 * 1000);
    const cookie = answer.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(/^eqr_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Max-Age=1209600/);
    expect(cookie).toMatch(/; Secure/);
    expect(answer.headers.get("Cache-Control")).toBe("no-store");
  });

  it.each(["http://localhost:8787", "http://127.0.0.1:8787", "http://[::1]:8787"])("leaves Secure off on %s (plain http in development)", async (base) => {
    const person = await seedPerson();
    const answer = await signIn(person.email, PASSWORD, { base });
    expect(answer.status, answer.text).toBe(200);
    const cookie = answer.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).not.toMatch(/Secure/);
  });

  it("refuses a wrong password, an unknown email, a user without a password and an inactive user with the same 401", async () => {
    const person = await seedPerson();
    const withoutPassword = await seedPerson({ password: null });
    const inactive = await seedPerson();
    await setUserStatus(env.DB, inactive.userId, "inactive");
    const answers = [
      await signIn(person.email, "wrong password!"),
      await signIn(`nobody-${crypto.randomUUID()}@example.com`),
      await signIn(withoutPassword.email, PASSWORD),
      await signIn(inactive.email, PASSWORD),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
      expect(answer.json.detail).toBe("Invalid email or password");
      expect(answer.headers.get("Set-Cookie")).toBeNull();
    }
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
  });

  it("spends the same PBKDF2 work on every refusal, so timing does not tell which emails have an account", async () => {
    const person = await seedPerson();
    const withoutPassword = await seedPerson({ password: null });
    const inactive = await seedPerson();
    await setUserStatus(env.DB, inactive.userId, "inactive");
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    const attempts: [string, string][] = [
      [person.email, "wrong password!"],
      [`nobody-${crypto.randomUUID()}@example.com`, PASSWORD],
      [withoutPassword.email, PASSWORD],
      [inactive.email, PASSWORD],
    ];
    for (const [email, password] of attempts) {
      derive.mockClear();
      expect((await signIn(email, password)).status, email).toBe(401);
      expect(derive.mock.calls.map(([params]) => (params as { iterations?: number }).iterations), email).toEqual([PASSWORD_ITERATIONS]);
    }
  });

  it("a deactivated organization signs nobody in", async () => {
    const person = await seedPerson();
    await deactivateOrganization(person.orgId);
    expect((await signIn(person.email)).status).toBe(401);
  });

  it("refuses the 6th attempt after 5 failures for one account with 429 and Retry-After, the right password included", async () => {
    const person = await seedPerson();
    for (let i = 0; i < ACCOUNT_FAILURE_LIMIT; i++) expect((await signIn(person.email, `wrong ${i} password`)).status).toBe(401);
    // From another address: the account's own limit decides.
    const sixth = await signIn(person.email, PASSWORD);
    expect(sixth.status).toBe(429);
    expect(sixth.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(sixth.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(FAILURE_WINDOW_MS / 1000);
    expect(sixth.headers.get("Set-Cookie")).toBeNull();
  });

  it("limits failures per client address (CF-Connecting-IP) across accounts: 20, then 429", async () => {
    const address = uniqueAddress();
    for (let i = 0; i < 20; i++) expect((await signIn(`nobody-${crypto.randomUUID()}@example.com`, PASSWORD, { address })).status).toBe(401);
    const person = await seedPerson();
    const refused = await signIn(person.email, PASSWORD, { address });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await signIn(person.email)).status).toBe(200);
  });

  it("counts a whole IPv6 /64 as one address: 20 failures spread over its addresses, then 429", async () => {
    // One client holds a /64 and can take a fresh address for every guess.
    const prefix = uniqueAddress().replace(/::1$/, "");
    for (let i = 0; i < 20; i++) {
      const address = `${prefix}:${(i + 1).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}:1:1`;
      expect((await signIn(`nobody-${crypto.randomUUID()}@example.com`, PASSWORD, { address })).status).toBe(401);
    }
    const person = await seedPerson();
    expect((await signIn(person.email, PASSWORD, { address: `${prefix}:ffff:ffff:ffff:fffe` })).status).toBe(429);
    // The next /64 is another client.
    expect((await signIn(person.email)).status).toBe(200);
  });

  it("successful sign-ins do not count against the limit", async () => {
    const person = await seedPerson();
    const address = uniqueAddress();
    for (let i = 0; i < ACCOUNT_FAILURE_LIMIT + 3; i++) expect((await signIn(person.email, PASSWORD, { address })).status).toBe(200);
  });

  it("refuses a sign-in posted from another origin (login CSRF) with 403", async () => {
    const person = await seedPerson();
    const answer = await request("POST", "/session", { body: { email: person.email, password: PASSWORD }, origin: "https://evil.example", address: uniqueAddress() });
    expect(answer.status).toBe(403);
    expect(answer.json.detail).toBe("Cross-origin request refused");
  });

  it("refuses a sign-in whose Origin is missing but whose Sec-Fetch-Site names another site (403); a script without either signs in", async () => {
    const person = await seedPerson();
    for (const site of ["cross-site", "same-site"]) {
      const answer = await request("POST", "/session", { body: { email: person.email, password: PASSWORD }, origin: null, headers: { "Sec-Fetch-Site": site }, address: uniqueAddress() });
      expect(answer.status, site).toBe(403);
      expect(answer.json.detail).toBe("Cross-origin request refused");
      expect(answer.headers.get("Set-Cookie")).toBeNull();
    }
    const linkToken = (await mintSignInLink(env.DB, person.userId, "reset")).token;
    const link = await request("POST", "/session/password", { body: { token: linkToken, password: "a brand new password" }, origin: null, headers: { "Sec-Fetch-Site": "cross-site" } });
    expect(link.status).toBe(403);
    const script = await request("POST", "/session", { body: { email: person.email, password: PASSWORD }, origin: null, address: uniqueAddress() });
    expect(script.status, script.text).toBe(200);
  });

  it("fails closed with a 503 problem and Retry-After when the sign-in limits cannot answer", async () => {
    const person = await seedPerson();
    const failing = { attempt: () => Promise.reject(new Error("simulated Durable Object outage")), forgive: () => Promise.resolve() };
    vi.spyOn(env.SIGN_IN_GATE, "get").mockReturnValue(failing as unknown as ReturnType<typeof env.SIGN_IN_GATE.get>);
    const answer = await signIn(person.email);
    expect(answer.status).toBe(503);
    expect(answer.headers.get("Retry-After")).toBe("30");
    expect(answer.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
    expect(answer.headers.get("Set-Cookie")).toBeNull();
  });

  it("answers 400 with violations for a body that is not an email and a password", async () => {
    const answer = await request("POST", "/session", { body: { email: "" }, address: uniqueAddress() });
    expect(answer.status).toBe(400);
    expect(answer.json.violations.map((v: { propertyPath: string }) => v.propertyPath).sort()).toEqual(["email", "password"]);
  });
});

describe("SignInGate: the sliding window, on an injected clock", () => {
  it("admits 5 failures in 15 minutes, refuses the 6th until the oldest leaves the window, and forgets forgiven attempts", async () => {
    const stub = env.SIGN_IN_GATE.get(env.SIGN_IN_GATE.idFromName(`test:${crypto.randomUUID()}`));
    await runInDurableObject(stub, (gate: SignInGate) => {
      const t0 = 1_000_000;
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) {
        const verdict = gate.attemptAt(5, t0 + i * 60_000);
        expect(verdict.admitted).toBe(true);
        if (verdict.admitted) ids.push(verdict.attemptId);
      }
      expect(gate.attemptAt(5, t0 + 5 * 60_000)).toEqual({ admitted: false, retryAfterMs: FAILURE_WINDOW_MS - 5 * 60_000 });
      // One millisecond before the first failure leaves the window: still refused.
      expect(gate.attemptAt(5, t0 + FAILURE_WINDOW_MS - 1).admitted).toBe(false);
      // Once it has left, one more is admitted, and the 7th waits for the second to leave.
      expect(gate.attemptAt(5, t0 + FAILURE_WINDOW_MS).admitted).toBe(true);
      expect(gate.attemptAt(5, t0 + FAILURE_WINDOW_MS + 1)).toEqual({ admitted: false, retryAfterMs: 60_000 - 1 });
      // A forgiven attempt (its password was right) frees its place at once.
      gate.forgive(ids[1]!);
      expect(gate.attemptAt(5, t0 + FAILURE_WINDOW_MS + 2).admitted).toBe(true);
      expect(gate.failureCount(t0 + FAILURE_WINDOW_MS + 2)).toBe(5);
    });
  });
});

describe("GET and DELETE /session", () => {
  it("GET answers the signed-in user; DELETE signs out server-side and clears the cookie", async () => {
    const person = await signedIn({ role: "viewer" });
    const current = await request("GET", "/session", { cookie: person.cookie });
    expect(current.status).toBe(200);
    expect(current.json.user).toMatchObject({ id: person.userId, role: "viewer", email: person.email });
    expect(current.json.organization.id).toBe(person.orgId);

    const out = await request("DELETE", "/session", { cookie: person.cookie });
    expect(out.status).toBe(204);
    expect(out.headers.get("Set-Cookie")).toMatch(/^eqr_session=; Max-Age=0/);
    // The token is gone server-side: presenting it again (a copied cookie) no longer works.
    expect((await request("GET", "/session", { cookie: person.cookie })).status).toBe(401);
    expect((await request("GET", "/qr_codes", { cookie: person.cookie })).status).toBe(401);
  });

  it("signing in again ends the session the browser held (its cookie is replaced)", async () => {
    const person = await signedIn();
    const again = await request("POST", "/session", { cookie: person.cookie, body: { email: person.email, password: PASSWORD }, address: uniqueAddress() });
    expect(again.status, again.text).toBe(200);
    const replacement = cookieFrom(again)!;
    expect(replacement).not.toBe(person.cookie);
    expect((await request("GET", "/session", { cookie: person.cookie })).status).toBe(401);
    expect((await request("GET", "/session", { cookie: replacement })).status).toBe(200);
  });

  it("DELETE from another origin is refused and leaves the session open", async () => {
    const person = await signedIn();
    expect((await request("DELETE", "/session", { cookie: person.cookie, origin: "https://evil.example" })).status).toBe(403);
    expect((await request("GET", "/session", { cookie: person.cookie })).status).toBe(200);
  });

  it("GET without a session, or with a malformed or unknown token, is a 401 problem", async () => {
    for (const cookie of [undefined, "nonsense", "A".repeat(43)]) {
      const answer = await request("GET", "/session", { cookie });
      expect(answer.status).toBe(401);
      expect(answer.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
    }
  });

  it("a user deactivated, or an organization deactivated, has no valid session any more", async () => {
    const person = await signedIn();
    await setUserStatus(env.DB, person.userId, "inactive");
    expect((await request("GET", "/session", { cookie: person.cookie })).status).toBe(401);
    const other = await signedIn();
    await deactivateOrganization(other.orgId);
    expect((await request("GET", "/session", { cookie: other.cookie })).status).toBe(401);
    expect((await request("GET", "/qr_codes", { cookie: other.cookie })).status).toBe(401);
  });
});

describe("the session cookie on the public API", () => {
  it("refuses a cross-origin or Origin-less write with the cookie (403), accepts a same-origin one", async () => {
    const person = await signedIn({ role: "editor" });
    const foreign = await request("POST", "/qr_codes", { cookie: person.cookie, body: URL_CODE, origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(foreign.json.detail).toBe("Cross-origin request refused");
    expect((await request("POST", "/qr_codes", { cookie: person.cookie, body: URL_CODE, origin: null })).status).toBe(403);
    // A sibling subdomain's page: SameSite=Lax sends the cookie; Sec-Fetch-Site says where it came from.
    expect((await request("POST", "/qr_codes", { cookie: person.cookie, body: URL_CODE, origin: null, headers: { "Sec-Fetch-Site": "same-site" } })).status).toBe(403);
    expect((await request("DELETE", "/session", { cookie: person.cookie, origin: null, headers: { "Sec-Fetch-Site": "cross-site" } })).status).toBe(403);
    const same = await request("POST", "/qr_codes", { cookie: person.cookie, body: URL_CODE, origin: ORIGIN });
    expect(same.status, same.text).toBe(201);
    // Reads need no Origin.
    expect((await request("GET", `/qr_codes/${same.json.id}`, { cookie: person.cookie })).status).toBe(200);
  });

  it("leaves bearer requests as they were: a foreign Origin does not matter, and the header wins over a cookie", async () => {
    const person = await signedIn({ role: "viewer" });
    const { secret } = await seedApiKey(person.orgId, { role: "read-write", actions: ["qr:ReadQrCode", "qr:WriteQrCode"] });
    const answer = await request("POST", "/qr_codes", { headers: { Authorization: `Bearer ${secret}` }, cookie: person.cookie, body: URL_CODE, origin: "https://evil.example" });
    expect(answer.status, answer.text).toBe(201);
    // A bad bearer key is refused as before, even with a valid cookie beside it.
    const bad = await request("GET", "/qr_codes", { headers: { Authorization: "Bearer zbk_nope" }, cookie: person.cookie });
    expect(bad.status).toBe(401);
    expect(bad.json.detail).toBe("Invalid, revoked or expired API key, or its organization is deactivated");
    // No header and no cookie: the message it always was.
    expect((await request("GET", "/qr_codes")).json.detail).toBe("Authentication required: send Authorization: Bearer <API key>");
  });

  it("a viewer reads codes but cannot write; an editor writes; each sees only its own organization", async () => {
    const editor = await signedIn({ role: "editor" });
    const viewer = await signedIn({ role: "viewer", orgId: editor.orgId });
    const created = await request("POST", "/qr_codes", { cookie: editor.cookie, body: URL_CODE });
    expect(created.status, created.text).toBe(201);
    expect(created.json.createdBy ?? editor.email).toBe(editor.email);

    const list = await request("GET", "/qr_codes", { cookie: viewer.cookie });
    expect(list.status).toBe(200);
    expect(list.json.member.map((code: { id: string }) => code.id)).toContain(created.json.id);
    const write = await request("POST", "/qr_codes", { cookie: viewer.cookie, body: URL_CODE });
    expect(write.status).toBe(403);
    expect(write.json.detail).toBe("Access Denied: the viewer role is read-only");
    expect((await request("DELETE", `/qr_codes/${created.json.id}`, { cookie: viewer.cookie })).status).toBe(403);

    const stranger = await signedIn({ role: "owner" });
    expect((await request("GET", `/qr_codes/${created.json.id}`, { cookie: stranger.cookie })).status).toBe(400);
    expect((await request("GET", "/qr_codes", { cookie: stranger.cookie })).json.member).toEqual([]);
  });
});

describe("the session cookie on uploads (POST /files)", () => {
  const upload = async (cookie: string, origin: string | null) => {
    const form = new FormData();
    form.append("purpose", "file");
    form.append("file", new File([PDF_FIXTURE], "menu.pdf"));
    const headers: Record<string, string> = { Cookie: `eqr_session=${cookie}` };
    if (origin !== null) headers.Origin = origin;
    const res = await exports.default.fetch(new Request(`${ORIGIN}/files`, { method: "POST", headers, body: form }));
    return { status: res.status, body: await res.text() };
  };

  it("an editor uploads from our own origin; a foreign or missing Origin is refused, and a viewer cannot upload", async () => {
    const editor = await signedIn({ role: "editor" });
    const viewer = await signedIn({ role: "viewer", orgId: editor.orgId });
    expect((await upload(editor.cookie, "https://evil.example")).status).toBe(403);
    expect((await upload(editor.cookie, null)).status).toBe(403);
    const viewerUpload = await upload(viewer.cookie, ORIGIN);
    expect(viewerUpload.status).toBe(403);
    expect(viewerUpload.body).toContain("the viewer role is read-only");
    const uploaded = await upload(editor.cookie, ORIGIN);
    expect(uploaded.status, uploaded.body).toBe(201);
  });
});

describe("the session cookie and per-tenant caches", () => {
  it("answers read through the cookie are kept by no shared cache (private, no-store), the download's own private, no-cache stays", async () => {
    const editor = await signedIn({ role: "editor" });
    const created = await request("POST", "/qr_codes", { cookie: editor.cookie, body: URL_CODE });
    expect(created.headers.get("Cache-Control")).toBe("private, no-store");
    for (const path of ["/qr_codes", `/qr_codes/${created.json.id}`]) {
      const answer = await request("GET", path, { cookie: editor.cookie });
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get("Cache-Control"), path).toBe("private, no-store");
    }
    // Errors too: a 403 for a viewer names the role.
    const viewer = await signedIn({ role: "viewer", orgId: editor.orgId });
    expect((await request("DELETE", `/qr_codes/${created.json.id}`, { cookie: viewer.cookie })).headers.get("Cache-Control")).toBe("private, no-store");
    const download = await request("POST", `/qr_codes/${created.json.id}/download`, { cookie: editor.cookie, body: { format: "svg" } });
    expect(download.headers.get("Cache-Control")).toBe("private, no-cache");
  });

  it("a viewer downloads its organization's code; another organization's session cannot (the session acts as its organization, so the render cache, keyed by organization, stays per tenant)", async () => {
    const editor = await signedIn({ role: "editor" });
    const viewer = await signedIn({ role: "viewer", orgId: editor.orgId });
    const created = await request("POST", "/qr_codes", { cookie: editor.cookie, body: URL_CODE });
    const path = `/qr_codes/${created.json.id}/download`;
    const first = await request("POST", path, { cookie: viewer.cookie, body: { format: "svg" } });
    expect(first.status, first.text).toBe(200);
    expect(first.text).toContain("<svg");
    // The POST download is a read, but a POST through the cookie still needs our Origin.
    expect((await request("POST", path, { cookie: viewer.cookie, body: { format: "svg" }, origin: "https://evil.example" })).status).toBe(403);
    const stranger = await signedIn({ role: "owner" });
    const refused = await request("POST", path, { cookie: stranger.cookie, body: { format: "svg" } });
    expect(refused.status).toBe(400);
    expect(refused.text).not.toContain("<svg");
  });
});

describe("POST /session/password: one-time invite and reset links", () => {
  it("sets the password and signs in once; the same link is then refused with 410", async () => {
    const person = await seedPerson({ password: null, role: "editor" });
    const { token } = await mintSignInLink(env.DB, person.userId, "invite");
    const redeemed = await request("POST", "/session/password", { body: { token, password: "a brand new password" } });
    expect(redeemed.status, redeemed.text).toBe(200);
    expect(redeemed.json.user).toMatchObject({ id: person.userId, role: "editor" });
    const cookie = cookieFrom(redeemed)!;
    expect((await request("GET", "/session", { cookie })).status).toBe(200);
    expect((await signIn(person.email, "a brand new password")).status).toBe(200);

    const again = await request("POST", "/session/password", { body: { token, password: "another new password" } });
    expect(again.status).toBe(410);
    expect(again.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
    expect((await signIn(person.email, "another new password")).status).toBe(401);
  });

  it("works once under concurrent redemptions: of five at the same moment exactly one signs in", async () => {
    const person = await seedPerson({ password: null });
    const { token } = await mintSignInLink(env.DB, person.userId, "invite");
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => request("POST", "/session/password", { body: { token, password: `concurrent password ${i}` } })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 410, 410, 410, 410]);
    const winner = answers.findIndex((a) => a.status === 200);
    expect((await signIn(person.email, `concurrent password ${winner}`)).status).toBe(200);
  });

  it("refuses an expired link (minted 25 hours ago) and an unknown one with 410", async () => {
    const person = await seedPerson({ password: null });
    const { token } = await mintSignInLink(env.DB, person.userId, "reset", new Date(Date.now() - 25 * 3600 * 1000));
    expect((await request("POST", "/session/password", { body: { token, password: "a brand new password" } })).status).toBe(410);
    expect((await request("POST", "/session/password", { body: { token: "B".repeat(43), password: "a brand new password" } })).status).toBe(410);
    expect((await request("POST", "/session/password", { body: { token: "short", password: "a brand new password" } })).status).toBe(410);
  });

  it("a reset ends the sessions opened with the old password", async () => {
    const person = await signedIn();
    const { token } = await mintSignInLink(env.DB, person.userId, "reset");
    expect((await request("POST", "/session/password", { body: { token, password: "a brand new password" } })).status).toBe(200);
    expect((await request("GET", "/session", { cookie: person.cookie })).status).toBe(401);
  });

  it("only the newest link works, and a password set by a link or by the operator spends the links sent before", async () => {
    const person = await seedPerson({ password: null });
    const older = await mintSignInLink(env.DB, person.userId, "invite");
    const newer = await mintSignInLink(env.DB, person.userId, "invite");
    expect((await request("POST", "/session/password", { body: { token: older.token, password: "an older link's password" } })).status).toBe(410);
    // A link minted elsewhere, still unused, while another is redeemed (inserted directly: minting spends the others).
    const stray = newToken();
    await insertSignInLinkStatement(env.DB, { tokenHash: await hashSecret(stray), userId: person.userId, purpose: "reset", expiresAt: new Date(Date.now() + 3600_000).toISOString() }).run();
    expect((await request("POST", "/session/password", { body: { token: newer.token, password: "a brand new password" } })).status).toBe(200);
    expect((await request("POST", "/session/password", { body: { token: stray, password: "a stray link's password" } })).status).toBe(410);

    const reset = await mintSignInLink(env.DB, person.userId, "reset");
    await setUserPassword(env.DB, person.userId, "the operator's choice");
    expect((await request("POST", "/session/password", { body: { token: reset.token, password: "a reset after the operator" } })).status).toBe(410);
    expect((await signIn(person.email, "the operator's choice")).status).toBe(200);
  });

  it("answers 400 with a violation for a short password, and leaves the link usable", async () => {
    const person = await seedPerson({ password: null });
    const { token } = await mintSignInLink(env.DB, person.userId, "invite");
    const short = await request("POST", "/session/password", { body: { token, password: "short" } });
    expect(short.status).toBe(400);
    expect(short.json.violations[0].propertyPath).toBe("password");
    expect((await request("POST", "/session/password", { body: { token, password: "long enough now" } })).status).toBe(200);
  });

  it("refuses a link posted from another origin", async () => {
    const person = await seedPerson({ password: null });
    const { token } = await mintSignInLink(env.DB, person.userId, "invite");
    expect((await request("POST", "/session/password", { body: { token, password: "a brand new password" }, origin: "https://evil.example" })).status).toBe(403);
  });
});

describe("fuzz: no body makes the session routes fail", () => {
  const anyValue = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 20 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom("demo@example.com", "DEMO@EXAMPLE.COM", "", " ", "\u0000", "\ud800", "A".repeat(43), "x".repeat(300)),
  );
  const body = fc.oneof(
    fc.record({ email: anyValue, password: anyValue, token: anyValue }, { requiredKeys: [] }),
    fc.dictionary(fc.string({ maxLength: 10 }), anyValue, { maxKeys: 4 }),
    fc.string({ maxLength: 60 }),
    anyValue,
  );

  it("POST /session and POST /session/password never answer 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (input, toPassword) => {
        // An address per run: with one, every run after the 20th failure stopped at the 429 and never reached the password check.
        const answer = await request("POST", toPassword ? "/session/password" : "/session", { body: typeof input === "string" ? input : JSON.stringify(input) ?? "null", address: uniqueAddress() });
        expect(answer.status, answer.text).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  });
});
