import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { pageCsp } from "../pages/hosted";
import { notFoundPage, unavailablePage } from "../pages/status";
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

/**
 * Errors of the public edge as pages: 404 the "leads nowhere" page; a dependency that could not
 * answer (503, Retry-After set by renderError) or a crash (500, already logged and counted) the
 * "briefly unavailable" page with its own status.
 */
export const pageEnvelope: ErrorEnvelope = (c, error) =>
  error.status === 404 ? notFound(c) : c.html(unavailablePage(), error.status, STATUS_PAGE_HEADERS);

export const usePageEnvelope: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("envelope", pageEnvelope);
  await next();
};
