import { z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { PAGE_PASS_COOKIE, PAGE_PASS_TTL_SECONDS } from "../codes/page-pass";
import type { AppEnv } from "../env";
import { pageCsp } from "../pages/hosted";
import type { Refusal } from "../codes/link-limits";
import { DependencyUnavailable } from "../lib/unavailable";
import { inactivePage, notFoundPage, unavailablePage } from "../pages/status";
import { passwordPage, PASSWORD_PAGE_CSP } from "../pages/password";
import { CODE_UNLOCK_TTL_SECONDS, isUnlocked, unlockCode, unlockCookieName } from "../codes/code-password";
import { SHORT_TOKEN_PATTERN } from "../codes/ids";
import { resolveShortToken, type RedirectRecord } from "../codes/short-links";
import { isLocal } from "./session-cookie";
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

// Password-protected codes (codes/code-password.ts): the gate every public answer of such a code
// passes first, and the form's POST that unlocks it.

const PASSWORD_PAGE_HEADERS = { ...STATUS_PAGE_HEADERS, "Content-Security-Policy": PASSWORD_PAGE_CSP };

/**
 * The password page (403) when the code has a password and this browser has not unlocked it; null
 * to go on. Nothing is recorded for it: a scan counts once, when it reaches the destination.
 */
export async function passwordGate(c: Context<AppEnv>, record: RedirectRecord, token: string, action: string): Promise<Response | null> {
  if (!record.passwordHash) return null;
  if (await isUnlocked(c.env, token, record.passwordHash, getCookie(c, unlockCookieName(token)))) return null;
  return c.html(passwordPage(action, null), 403, PASSWORD_PAGE_HEADERS);
}

/** Form bodies of the password page: a password of at most 128 characters fits many times over. */
export const UNLOCK_BODY_BYTES = 4 * 1024;

/**
 * POST of the password page to `returnTo` (the address it was shown at): on the right password the
 * unlock cookie (every path of this origin: /r, /s and /p of the code) and a 303 back, where the
 * visit then happens and is counted; otherwise the page again with why (403, or 429 with
 * Retry-After once the address has used up its attempts on this code).
 */
export async function unlockAndReturn(c: Context<AppEnv>, token: string, returnTo: string): Promise<Response> {
  if (!SHORT_TOKEN_PATTERN.test(token)) return notFound(c);
  const link = await resolveShortToken(c.env, c.executionCtx, token);
  if (!link) return notFound(c);
  const { record } = link;
  if (!record.passwordHash) return c.body(null, 303, { ...PUBLIC_HEADERS, Location: returnTo });
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const password = typeof form.password === "string" ? form.password : "";
  const verdict = await unlockCode(c.env, { codeId: record.codeId, token, passwordHash: record.passwordHash }, password, c.req.header("CF-Connecting-IP"));
  if (verdict.unlocked) {
    setCookie(c, unlockCookieName(token), verdict.cookie, { path: "/", maxAge: CODE_UNLOCK_TTL_SECONDS, httpOnly: true, secure: !isLocal(c), sameSite: "Lax" });
    return c.body(null, 303, { ...PUBLIC_HEADERS, Location: returnTo });
  }
  if (verdict.problem === "limited") return c.html(passwordPage(returnTo, "limited"), 429, { ...PASSWORD_PAGE_HEADERS, "Retry-After": String(verdict.retryAfterSeconds) });
  return c.html(passwordPage(returnTo, "wrong"), 403, PASSWORD_PAGE_HEADERS);
}

/** How the password page's POST is documented, at each address that shows the page. */
export function unlockOperation(operationId: string, where: string) {
  return {
    method: "post" as const,
    path: "/{shortToken}",
    operationId,
    tags: ["Public edge"],
    security: [],
    summary: `Unlock a password-protected code (the password page's form, at ${where})`,
    description:
      "`application/x-www-form-urlencoded` with `password`. The right password sets the unlock cookie (an hour, this code only; changing the password ends it) and answers 303 back to the same address, where the visit then happens and is counted. A wrong one shows the page again (403); after 10 wrong ones from an address in 15 minutes, 429 with Retry-After. A code without a password: 303 back. Bodies over 4 KB: 413.",
    request: {
      params: z.object({ shortToken: z.string().openapi({ param: { name: "shortToken", in: "path" }, example: "frnKYa3c" }) }),
      body: { content: { "application/x-www-form-urlencoded": { schema: z.object({ password: z.string().max(128) }) } } },
    },
    responses: {
      303: { description: "Unlocked (or nothing to unlock): back to the same address", headers: { Location: { description: "The address the page was shown at", schema: { type: "string" as const } } } },
      403: htmlPage("The password page again: the password was wrong"),
      404: htmlPage("Unknown, deleted or malformed token"),
      429: { ...htmlPage("Too many wrong passwords from this address for this code"), headers: { "Retry-After": { description: "Seconds until another attempt is allowed", schema: { type: "integer" as const } } } },
      503: unavailableResponse,
    },
  };
}
