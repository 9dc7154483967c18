import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { botReason, recordVisit, type VisitEvent } from "../analytics/event";
import { SHORT_TOKEN_PATTERN } from "../codes/ids";
import { windowVerdict } from "../codes/limits";
import { resolveShortToken } from "../codes/link-store";
import type { RedirectRecord } from "../codes/redirects";
import type { AppEnv } from "../env";
import { DependencyUnavailable } from "../lib/unavailable";
import { inactivePage } from "../pages/status";
import { notFound, PUBLIC_HEADERS, usePageEnvelope } from "./public-edge";
import { newRouter } from "./router";

/**
 * GET /r/{token}: the short link a dynamic code encodes. At a viral code's rate (thousands of
 * scans a second on one token) this path does at most one KV read (edge-cached, and kept in
 * isolate memory for a few seconds; see codes/link-store.ts) and nothing it waits for: the scan
 * is enqueued after the response, with no D1 read or write before it. D1 is read only on a KV
 * miss or error, and codes with a scan budget alone consult their Durable Object.
 */


/** Where a request goes; a limiter that could not answer is a refusal the page envelope turns into a 503. */
type Verdict =
  | { location: string; outcome: "target" | "fallback" }
  | { location: null; outcome: "refused"; refusal: "not-yet" | "expired" | "exhausted" | DependencyUnavailable };

/** Asks the code's limiter: people take one scan, requests that are not counted only look. */
async function budgetAllows(c: Context<AppEnv>, record: RedirectRecord, maxScans: number): Promise<boolean> {
  const limiter = c.env.SCAN_LIMITER.get(c.env.SCAN_LIMITER.idFromName(record.codeId));
  const counted = botReason(c.req.raw) === null;
  return (await (counted ? limiter.consume(maxScans) : limiter.peek(maxScans))).allowed;
}

/**
 * Applies a code's limits to every request alike. Only people use up a budget, but once it is
 * spent (or the window is closed) previews, crawlers, prefetches and HEAD requests go where a
 * person would, never to the target. When the limiter cannot answer, the budget cannot be
 * proven: the fallback, or a 503 page to retry.
 */
async function resolveLimits(c: Context<AppEnv>, record: RedirectRecord): Promise<Verdict> {
  const limits = record.limits;
  if (!limits) return { location: record.target, outcome: "target" };
  let refusal: (Verdict & { location: null })["refusal"] | null = null;
  const window = windowVerdict(limits, Date.now());
  if (window !== "open") refusal = window;
  else if (limits.maxScans !== null) {
    try {
      if (!(await budgetAllows(c, record, limits.maxScans))) refusal = "exhausted";
    } catch (err) {
      refusal = new DependencyUnavailable("durable-object", err);
    }
  }
  if (refusal === null) return { location: record.target, outcome: "target" };
  return limits.fallbackUrl ? { location: limits.fallbackUrl, outcome: "fallback" } : { location: null, outcome: "refused", refusal };
}

export const redirectsRouter = newRouter();
redirectsRouter.use("/r/*", usePageEnvelope);

redirectsRouter.openAPIRegistry.registerPath({
  method: "get",
  path: "/r/{shortToken}",
  tags: ["Public edge"],
  summary: "Follow a dynamic QR code's short link",
  description:
    "302 to the code's target: the url, the hosted page (/p/{shortToken}) for text, links, audio, event and vcard, the stored file for file. `Cache-Control: no-store` (every scan reaches us, an edit applies at once) and `X-Robots-Tag: noindex`. Outside its limits a code sends everyone (people, previews, crawlers, HEAD) to its fallbackUrl, or answers 410 with a short page; only people use up a scan budget. Unknown tokens: a 404 page. HEAD is answered the same way and never counted as a scan. When neither KV nor D1 can answer, or a limited code's scan counter cannot (and it has no fallbackUrl), a 503 page with Retry-After.",
  request: { params: z.object({ shortToken: z.string().openapi({ param: { name: "shortToken", in: "path" }, example: "frnKYa3c" }) }) },
  responses: {
    302: { description: "Redirect to the target (Location)" },
    404: { description: "Unknown, deleted or malformed token", content: { "text/html": { schema: { type: "string" } } } },
    410: { description: "Outside the code's validity window or scan budget, with no fallbackUrl", content: { "text/html": { schema: { type: "string" } } } },
    503: { description: "The link could not be looked up, or a limited code's scan budget could not be checked (Retry-After)", content: { "text/html": { schema: { type: "string" } } } },
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
  const link = await resolveShortToken(c.env, c.executionCtx, token);
  if (!link) return notFound(c);
  const { record } = link;
  const verdict = await resolveLimits(c, record);
  recordVisit(c.env, c.executionCtx, c.req.raw, { codeId: record.codeId, orgId: record.orgId, kind: "scan", outcome: verdict.outcome });
  if (verdict.location !== null) return c.body(null, 302, { ...PUBLIC_HEADERS, Location: new URL(verdict.location, c.req.url).toString() });
  // The scan is recorded (refused) either way.
  if (verdict.refusal instanceof DependencyUnavailable) throw verdict.refusal;
  return c.html(inactivePage(verdict.refusal), 410, PUBLIC_HEADERS);
});
