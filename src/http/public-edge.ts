import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { PAGE_PASS_COOKIE, PAGE_PASS_TTL_SECONDS } from "../codes/page-pass";
import type { AppEnv } from "../env";
import { pageCsp } from "../pages/hosted";
import type { Refusal } from "../codes/link-limits";
import { DependencyUnavailable } from "../lib/unavailable";
import { inactivePage, notFoundPage, unavailablePage } from "../pages/status";
import type { ErrorEnvelope } from "./errors";

/**
 * What the public edge (`/r`, `/p`, the message-QR images) answers people with: pages, never a
 * JSON body, whatever went wrong.
 */

/** Browsers must not cache (an edited target applies to everyone, every scan is counted); robots skip it. */
export const PUBLIC_HEADERS = {
  "Cache-Control": "no-store",
  "X-Robots-Tag": "noindex",
};

/** The status pages' headers: the shared stylesheet and nothing else may load. */
const STATUS_PAGE_HEADERS = { ...PUBLIC_HEADERS, "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": pageCsp(null) };

export const notFound = (c: Context<AppEnv>) => c.html(notFoundPage(), 404, STATUS_PAGE_HEADERS);

/** A 302 to an absolute URL or a path on this Worker. */
export const redirectTo = (c: Context<AppEnv>, location: string) => c.body(null, 302, { ...PUBLIC_HEADERS, Location: new URL(location, c.req.url).toString() });

/** A code's limits said no: a 410 page saying why, or (the limiter could not answer) the envelope's 503. */
export function refuse(c: Context<AppEnv>, refusal: Refusal): Response {
  if (refusal instanceof DependencyUnavailable) throw refusal;
  return c.html(inactivePage(refusal), 410, STATUS_PAGE_HEADERS);
}

/**
 * Errors of the public edge as pages: a refusal (4xx) the "leads nowhere" page; a dependency that
 * could not answer (503, Retry-After set by renderError) or a crash (500, already logged and
 * counted) the "briefly unavailable" page, each with its own status.
 */
export const pageEnvelope: ErrorEnvelope = (c, error) =>
  error.status >= 500 ? c.html(unavailablePage(), error.status, STATUS_PAGE_HEADERS) : c.html(notFoundPage(), error.status, STATUS_PAGE_HEADERS);

export const usePageEnvelope: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("envelope", pageEnvelope);
  await next();
};

/** The hosted-page pass (codes/page-pass.ts) as a cookie that only `/p/{token}` and its files see. */
export function setPagePass(c: Context<AppEnv>, token: string, pass: string): void {
  setCookie(c, PAGE_PASS_COOKIE, pass, { path: `/p/${token}`, maxAge: PAGE_PASS_TTL_SECONDS, httpOnly: true, secure: true, sameSite: "Lax" });
}

export const pagePassOf = (c: Context<AppEnv>): string | undefined => getCookie(c, PAGE_PASS_COOKIE);

// How the public edge's answers are documented (/r, /p, /assets): pages for people, redirects with Location.

/** An HTML page as a response of the document. */
export const htmlPage = (description: string) => ({ description, content: { "text/html": { schema: { type: "string" as const } } } });

/** A redirect, naming its Location. */
export const redirectResponse = (description: string) => ({
  description,
  headers: { Location: { description: "Where to go: the target, or the fallbackUrl", schema: { type: "string" as const } } },
});

/** The 503 page of a link whose lookup or scan budget could not be checked. */
export const unavailableResponse = {
  ...htmlPage("The link could not be looked up, or a limited code's scan budget could not be checked"),
  headers: { "Retry-After": { description: "Seconds to wait before trying again", schema: { type: "integer" as const } } },
};
