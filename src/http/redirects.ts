import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { botReason, recordVisit, type VisitEvent } from "../analytics/event";
import { SHORT_TOKEN_PATTERN } from "../codes/ids";
import { windowVerdict } from "../codes/limits";
import { hotRecords, redirectRecordOf, refillRedirect, type RedirectRecord } from "../codes/redirects";
import { findCodeByShortToken } from "../db/qr-codes";
import { unknownTokens } from "../lib/expiring-set";
import type { AppEnv } from "../env";
import { inactivePage, notFoundPage } from "../pages/status";
import { newRouter } from "./router";

/**
 * GET /r/{token}: the short link a dynamic code encodes. At a viral code's rate (thousands of
 * scans a second on one token) this path does at most one KV read (edge-cached for KV_CACHE_TTL
 * seconds, and kept in isolate memory for a few seconds) and nothing it waits for: the scan is
 * enqueued after the response. D1 is read only on
 * a KV miss, and codes with a scan budget alone consult their Durable Object.
 */

/** KV's edge cache: an edit reaches every location within this many seconds (KV's minimum is 30). */
export const KV_CACHE_TTL = 30;

export const PUBLIC_HEADERS = {
  // Browsers must not cache: an edited target takes effect for everyone, and every scan is counted.
  "Cache-Control": "no-store",
  "X-Robots-Tag": "noindex",
};

/** Isolate memory, then KV; on a miss D1, the source of truth, answers and KV is refilled after the response. */
async function lookup(c: Context<AppEnv>, token: string): Promise<RedirectRecord | null> {
  const hot = hotRecords.get(token);
  if (hot) return hot;
  const cached = await c.env.LINKS.get<RedirectRecord>(token, { type: "json", cacheTtl: KV_CACHE_TTL });
  if (cached) {
    hotRecords.set(token, cached);
    return cached;
  }
  if (unknownTokens.has(token)) return null;
  const code = await findCodeByShortToken(c.env.DB, token);
  const record = code ? redirectRecordOf(code) : null;
  if (!record) {
    unknownTokens.add(token);
    return null;
  }
  c.executionCtx.waitUntil(refillRedirect(c.env, token, record));
  return record;
}

export const notFound = (c: Context<AppEnv>) => c.html(notFoundPage(), 404, PUBLIC_HEADERS);

/** Applies a code's limits: the target, its fallback, or a refusal (null). */
async function resolveLimits(c: Context<AppEnv>, record: RedirectRecord): Promise<{ location: string | null; outcome: VisitEvent["outcome"]; reason?: "not-yet" | "expired" | "exhausted" }> {
  const limits = record.limits;
  if (!limits) return { location: record.target, outcome: "target" };
  let reason: "not-yet" | "expired" | "exhausted" | undefined;
  const window = windowVerdict(limits, Date.now());
  if (window !== "open") reason = window;
  // Only people use up a budget: previews, crawlers, prefetches and HEAD requests pass through.
  else if (limits.maxScans !== null && botReason(c.req.raw) === null) {
    const limiter = c.env.SCAN_LIMITER.get(c.env.SCAN_LIMITER.idFromName(record.codeId));
    if (!(await limiter.consume(limits.maxScans)).allowed) reason = "exhausted";
  }
  if (!reason) return { location: record.target, outcome: "target" };
  return limits.fallbackUrl ? { location: limits.fallbackUrl, outcome: "fallback", reason } : { location: null, outcome: "refused", reason };
}

export const redirectsRouter = newRouter();

redirectsRouter.openAPIRegistry.registerPath({
  method: "get",
  path: "/r/{shortToken}",
  tags: ["Public edge"],
  summary: "Follow a dynamic QR code's short link",
  description:
    "302 to the code's target: the url, the hosted page (/p/{shortToken}) for text, links, audio, event and vcard, the stored file for file. `Cache-Control: no-store` (every scan reaches us, an edit applies at once) and `X-Robots-Tag: noindex`. Outside its limits a code sends people to its fallbackUrl, or answers 410 with a short page. Unknown tokens: a 404 page. HEAD is answered the same way and never counted as a scan.",
  request: { params: z.object({ shortToken: z.string().openapi({ param: { name: "shortToken", in: "path" }, example: "frnKYa3c" }) }) },
  responses: {
    302: { description: "Redirect to the target (Location)" },
    404: { description: "Unknown, deleted or malformed token", content: { "text/html": { schema: { type: "string" } } } },
    410: { description: "Outside the code's validity window or scan budget, with no fallbackUrl", content: { "text/html": { schema: { type: "string" } } } },
  },
});

/**
 * The benchmark's baseline: the same app, middleware and headers, a constant 302 and nothing else.
 * Answers only when the bench starts the Worker with BENCH_ROUTES=1; everywhere else it is a 404.
 */
redirectsRouter.get("/bench/constant-redirect", (c) =>
  c.env.BENCH_ROUTES === "1" ? c.body(null, 302, { ...PUBLIC_HEADERS, Location: "https://example.com/" }) : notFound(c),
);

redirectsRouter.get("/r/:token", async (c) => {
  const token = c.req.param("token");
  if (!SHORT_TOKEN_PATTERN.test(token)) return notFound(c);
  const record = await lookup(c, token);
  if (!record) return notFound(c);
  const { location, outcome, reason } = await resolveLimits(c, record);
  recordVisit(c.env, c.executionCtx, c.req.raw, { codeId: record.codeId, orgId: record.orgId, kind: "scan", outcome });
  if (location === null) return c.html(inactivePage(reason!), 410, PUBLIC_HEADERS);
  return c.body(null, 302, { ...PUBLIC_HEADERS, Location: new URL(location, c.req.url).toString() });
});
