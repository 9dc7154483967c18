import { env, exports } from "cloudflare:workers";
import { mintSecret } from "../../src/auth/secrets";
import { setUserPassword } from "../../src/auth/sessions";
import { insertOrganization, insertUser } from "../../src/db/accounts";
import { setConsoleRoleStatement, type ConsoleRole } from "../../src/db/console";

/** Console sign-in test helpers: people with passwords, requests with cookies, through HTTP. */

export const ORIGIN = "https://qr.test";
export const PASSWORD = "correct horse battery staple";

/** A user who can sign in: a fresh organization unless `orgId` is given; a unique email. */
export async function seedPerson(input: { role?: ConsoleRole; orgId?: string; password?: string | null; email?: string } = {}) {
  const orgId = input.orgId ?? (await insertOrganization(env.DB, { name: `Org ${crypto.randomUUID()}` })).id;
  const minted = await mintSecret("userApiKey");
  const email = input.email ?? `person-${crypto.randomUUID()}@example.com`;
  const user = await insertUser(env.DB, orgId, { name: "Person", email, apiKeyHash: minted.hash, apiKeyPrefix: minted.prefix });
  await setConsoleRoleStatement(env.DB, user.id, input.role ?? "owner").run();
  if (input.password !== null) await setUserPassword(env.DB, user.id, input.password ?? PASSWORD);
  return { orgId, userId: user.id, email };
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function request(
  method: string,
  path: string,
  init: { body?: unknown; cookie?: string; origin?: string | null; headers?: Record<string, string>; base?: string; address?: string } = {},
): Promise<Answer> {
  const base = init.base ?? ORIGIN;
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.cookie) headers.Cookie = `eqr_session=${init.cookie}`;
  // Browsers send Origin on every POST/PUT/PATCH/DELETE; null: a request without it.
  if (init.origin !== null && method !== "GET") headers.Origin = init.origin ?? base;
  if (init.address) headers["CF-Connecting-IP"] = init.address;
  if (init.body !== undefined) headers["Content-Type"] ??= "application/json";
  const body = init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body);
  const res = await exports.default.fetch(new Request(`${base}${path}`, { method, headers, body }));
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The eqr_session token a response set, or undefined. */
export function cookieFrom(answer: Answer): string | undefined {
  const header = answer.headers.get("Set-Cookie") ?? "";
  return header.match(/eqr_session=([^;]*)/)?.[1] || undefined;
}

export async function signIn(email: string, password = PASSWORD, init: { base?: string; address?: string } = {}) {
  return request("POST", "/session", { body: { email, password }, address: init.address ?? uniqueAddress(), base: init.base });
}

let addressCounter = 0;
/** A client address no other sign-in of this test file uses: its own IPv6 /64 (the per-address limit counts a /64 as one client). */
export const uniqueAddress = () => {
  addressCounter++;
  return `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${addressCounter.toString(16)}::1`;
};

/** A signed-in person: the session cookie's token and who it is. */
export async function signedIn(input: Parameters<typeof seedPerson>[0] = {}) {
  const person = await seedPerson(input);
  const answer = await signIn(person.email);
  if (answer.status !== 200) throw new Error(`sign-in failed: ${answer.status} ${answer.text}`);
  return { ...person, cookie: cookieFrom(answer)! };
}

export const URL_CODE = { name: "Console code", type: "url", content: { url: "https://example.com/console" } };

/** Deactivates an organization directly in D1 (the admin API's lifecycle has its own tests). */
export async function deactivateOrganization(orgId: string) {
  await env.DB.prepare("UPDATE organizations SET status = 'deactivated', status_changed_at = ?2 WHERE id = ?1").bind(orgId, new Date().toISOString()).run();
}
