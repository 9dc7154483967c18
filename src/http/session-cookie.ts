import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { SESSION_COOKIE, SESSION_LIFETIME_MS } from "../auth/sessions";
import type { AppEnv } from "../env";
import { ApiError } from "./errors";

// The console's session cookie and the cross-site checks around it, shared by /session, the bearer
// middleware (cookie sessions on the public API) and the owner settings.

/** Hosts a browser treats as a secure context over plain http: the cookie must work there without `Secure`. */
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export const isLocal = (c: Context<AppEnv>) => LOCAL_HOSTS.has(new URL(c.req.url).hostname);

export const sessionToken = (c: Context<AppEnv>): string | undefined => getCookie(c, SESSION_COOKIE);

/** `eqr_session=<token>; Path=/; HttpOnly; SameSite=Lax; Max-Age=…` and `Secure` unless the host is local. */
export function setSessionCookie(c: Context<AppEnv>, token: string): void {
  setCookie(c, SESSION_COOKIE, token, { path: "/", httpOnly: true, sameSite: "Lax", maxAge: SESSION_LIFETIME_MS / 1000, secure: !isLocal(c) });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "Lax", secure: !isLocal(c) });
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
export const isStateChanging = (c: Context<AppEnv>) => !SAFE_METHODS.has(c.req.method);

export const crossOriginRefused = () => new ApiError(403, "FORBIDDEN", "Cross-origin request refused");

/** Sec-Fetch-Site values that say another site's page made the request. */
const FOREIGN_FETCH_SITES = new Set(["cross-site", "same-site"]);

/**
 * A cookie rides along on requests other sites make, so a state-changing request authenticated by
 * it must prove it comes from our own pages: browsers send Origin on every cross-origin request and
 * every POST/PUT/PATCH/DELETE, and a page cannot forge it. `required`: a missing Origin is refused
 * too (cookie-authenticated writes); otherwise only a foreign one (sign-in, whose CSRF is signing
 * the victim into the attacker's account; curl and scripts send no Origin and may sign in).
 *
 * Sec-Fetch-Site is the second signal: a browser that sets it (all current ones) names a request
 * another site made, even one whose Origin was dropped on the way (an extension or proxy stripping
 * it). "same-site" counts as foreign too: a sibling subdomain is another origin, and SameSite=Lax
 * sends it our cookie.
 */
export function requireSameOrigin(c: Context<AppEnv>, required: boolean): void {
  const fetchSite = c.req.header("Sec-Fetch-Site");
  if (fetchSite !== undefined && FOREIGN_FETCH_SITES.has(fetchSite.trim().toLowerCase())) throw crossOriginRefused();
  const origin = c.req.header("Origin");
  if (origin === undefined) {
    if (required) throw crossOriginRefused();
    return;
  }
  if (origin !== new URL(c.req.url).origin) throw crossOriginRefused();
}
