import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../auth/passwords";
import { CannotSignIn, endSession, findSession, InvalidCredentials, redeemSignInLink, signInWithPassword, SignInLinkUnusable, type SessionView } from "../auth/sessions";
import { admitSignInAttempt, TooManySignInAttempts } from "../auth/sign-in-limits";
import type { AppEnv } from "../env";
import { ApiError, limitBody } from "./errors";
import { problemEnvelope, problemResponse } from "./problem";
import { newRouter } from "./router";
import { ConsoleRoleSchema } from "./console-users";
import { clearSessionCookie, requireSameOrigin, sessionToken, setSessionCookie } from "./session-cookie";

/**
 * `/session`: people signing in to the console. Email and password (POST), who is signed in (GET),
 * sign-out (DELETE), and redeeming a one-time invite/reset link (POST /session/password). Answers
 * in the QR code resource family's problem+json, as the console's other calls do.
 */

const MAX_BODY_BYTES = 8 * 1024;

export const sessionRouter = newRouter();
sessionRouter.use("*", async (c, next) => {
  c.set("envelope", problemEnvelope);
  await next();
});
sessionRouter.use("*", limitBody(MAX_BODY_BYTES));

const tags = ["Console session"];
const security = [{ consoleSession: [] }];

const SessionSchema = z
  .object({
    user: z.object({ id: z.string(), name: z.string(), email: z.string().openapi({ example: "demo@example.com" }), role: ConsoleRoleSchema }),
    organization: z.object({ id: z.string(), name: z.string() }),
    expiresAt: z.string().openapi({ description: "When the session ends (fixed, 14 days after sign-in)", example: "2026-12-17T08:30:00+00:00" }),
  })
  .openapi("ConsoleSession");

const SignInBody = z
  .object({
    email: z.string().trim().min(1).max(320).openapi({ example: "demo@example.com" }),
    password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  })
  .openapi("SignIn");

const SetPasswordBody = z
  .object({
    token: z.string().min(1).max(200).openapi({ description: "The `token` of a sign-in link (`/console/#/set-password?token=…`)" }),
    password: z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH),
  })
  .openapi("SetPasswordWithLink");

const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const sessionJson = (description: string) => ({
  description,
  headers: {
    "Set-Cookie": {
      description: "`eqr_session=<token>; Path=/; HttpOnly; SameSite=Lax; Max-Age=1209600`, with `Secure` unless the host is localhost, 127.0.0.1 or [::1]",
      schema: { type: "string" as const },
    },
  },
  content: { "application/json": { schema: SessionSchema } },
});
const retryAfter = { "Retry-After": { description: "Seconds to wait", schema: { type: "integer" as const } } };
const crossOrigin = problemResponse("Cross-origin request refused: `Origin` is present and is not this server's origin");
const unavailable = problemResponse("The sign-in limits (a Durable Object) or D1 could not answer: nobody signs in until they do", retryAfter);

/**
 * The cookie and the body for a new session. The session the browser held until now ends: its
 * token is about to be overwritten in the cookie, and a session nobody holds should not stay valid
 * for the rest of its 14 days (a shared computer signed in to by someone else).
 */
async function signedIn(c: Context<AppEnv>, token: string, view: SessionView) {
  const previous = sessionToken(c);
  if (previous !== undefined && previous !== token) await endSession(c.env.DB, previous);
  setSessionCookie(c, token);
  // Sessions are per person: never kept by a shared cache.
  c.header("Cache-Control", "no-store");
  return c.json(view, 200);
}

const invalidCredentials = () => new ApiError(401, "UNAUTHORIZED", "Invalid email or password");

sessionRouter.openapi(
  createRoute({
    method: "post",
    path: "/",
    operationId: "signIn",
    tags,
    security: [],
    summary: "Sign in to the console with email and password",
    description:
      "Sets the `eqr_session` cookie (14 days) and ends the session the browser's previous cookie named. Unknown email, wrong password, a user without a password and an inactive user all answer the same 401. Failed sign-ins are limited to 5 per account and 20 per client address (CF-Connecting-IP; an IPv6 address counts by its /64) in any 15 minutes; past that, 429 with Retry-After, right password or not. When the limits cannot be checked, 503: sign-in fails closed. 403 when `Origin` is another origin's, or, without `Origin`, when `Sec-Fetch-Site` is `cross-site` or `same-site`.",
    request: { body: jsonBody(SignInBody) },
    responses: {
      200: sessionJson("Signed in"),
      400: problemResponse("Invalid body; `violations` names each field"),
      401: problemResponse("Invalid email or password"),
      403: crossOrigin,
      429: problemResponse("Too many failed sign-ins for this account or address", retryAfter),
      503: unavailable,
    },
  }),
  async (c) => {
    requireSameOrigin(c, false);
    const { email, password } = c.req.valid("json");
    let attempt;
    try {
      attempt = await admitSignInAttempt(c.env, email, c.req.header("CF-Connecting-IP"));
    } catch (err) {
      if (!(err instanceof TooManySignInAttempts)) throw err;
      c.header("Retry-After", String(err.retryAfterSeconds));
      throw new ApiError(429, "TOO_MANY_ATTEMPTS", err.message);
    }
    try {
      const { token, view } = await signInWithPassword(c.env.DB, email, password);
      await attempt.succeeded();
      return await signedIn(c, token, view);
    } catch (err) {
      if (err instanceof InvalidCredentials) throw invalidCredentials();
      throw err;
    }
  },
);

sessionRouter.openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "getSession",
    tags,
    security,
    summary: "Who is signed in",
    responses: {
      200: { description: "The session", content: { "application/json": { schema: SessionSchema } } },
      401: problemResponse("No valid session: none, signed out, expired, or the user or organization is no longer active"),
    },
  }),
  async (c) => {
    const session = await findSession(c.env.DB, sessionToken(c));
    if (!session) throw new ApiError(401, "UNAUTHORIZED", "Not signed in");
    c.header("Cache-Control", "no-store");
    const { tokenHash: _, ...view } = session;
    return c.json(view, 200);
  },
);

sessionRouter.openapi(
  createRoute({
    method: "delete",
    path: "/",
    operationId: "signOut",
    tags,
    security,
    summary: "Sign out: the session is deleted and the cookie cleared",
    description: "204 whether or not a session was open.",
    responses: {
      204: { description: "Signed out", headers: { "Set-Cookie": { description: "`eqr_session=; Max-Age=0; …`", schema: { type: "string" } } } },
      403: crossOrigin,
    },
  }),
  async (c) => {
    requireSameOrigin(c, false);
    await endSession(c.env.DB, sessionToken(c));
    clearSessionCookie(c);
    return c.body(null, 204);
  },
);

sessionRouter.openapi(
  createRoute({
    method: "post",
    path: "/password",
    operationId: "setPasswordWithLink",
    tags,
    security: [],
    summary: "Redeem a one-time invite or reset link: set the password and sign in",
    description: `Links last 24 hours and work once. The password is ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters. The user's other sessions end, and so do the user's other unused links (only the newest link works). A token that is unknown, already used or expired answers 410 Gone (one answer for all three).`,
    request: { body: jsonBody(SetPasswordBody) },
    responses: {
      200: sessionJson("Password set and signed in"),
      400: problemResponse("Invalid body (a password too short or too long); `violations` names each field"),
      403: crossOrigin,
      409: problemResponse("The user cannot sign in: it has no email, or another user signs in with the same email"),
      410: problemResponse("The link is unknown, already used or expired"),
      503: unavailable,
    },
  }),
  async (c) => {
    requireSameOrigin(c, false);
    const { token, password } = c.req.valid("json");
    try {
      const session = await redeemSignInLink(c.env.DB, token, password);
      return await signedIn(c, session.token, session.view);
    } catch (err) {
      if (err instanceof SignInLinkUnusable) throw new ApiError(410, "GONE", err.message);
      if (err instanceof CannotSignIn) throw new ApiError(409, "CONFLICT", err.message);
      throw err;
    }
  },
);
