import { z } from "@hono/zod-openapi";
import { recordVisit } from "../analytics/event";
import { SHORT_TOKEN_PATTERN } from "../codes/ids";
import { applyLimits } from "../codes/link-limits";
import { resolveShortToken } from "../codes/short-links";
import { issuePagePass } from "../codes/page-pass";
import { htmlPage, notFound, PUBLIC_HEADERS, redirectResponse, redirectTo, refuse, setPagePass, unavailableResponse, usePageEnvelope } from "./public-edge";
import { newRouter } from "./router";

/**
 * GET /r/{token}: the short link a dynamic code encodes. At a viral code's rate (thousands of
 * scans a second on one token) this path does at most one KV read (edge-cached, and kept in
 * isolate memory for a few seconds; see codes/short-links.ts) and nothing it waits for: the scan
 * is enqueued after the response, with no D1 read or write before it. D1 is read only on a KV
 * miss or error, and codes with a scan budget alone consult their Durable Object.
 */


export const redirectsRouter = newRouter();
redirectsRouter.use("*", usePageEnvelope);

redirectsRouter.openAPIRegistry.registerPath({
  method: "get",
  path: "/{shortToken}",
  operationId: "followShortLink",
  tags: ["Public edge"],
  security: [],
  summary: "Follow a dynamic QR code's short link",
  description:
    "302 to the code's target: the url, the hosted page (/p/{shortToken}) for text, links, audio, event and vcard, the stored file for file. `Cache-Control: no-store` (every scan reaches us, an edit applies at once) and `X-Robots-Tag: noindex`. Outside its limits a code sends everyone (people, previews, crawlers, HEAD) to its fallbackUrl, or answers 410 with a short page; only people use up a scan budget. Unknown tokens: a 404 page. HEAD is answered the same way and never counted as a scan. When neither KV nor D1 can answer, or a limited code's scan counter cannot (and it has no fallbackUrl), a 503 page with Retry-After.",
  request: { params: z.object({ shortToken: z.string().openapi({ param: { name: "shortToken", in: "path" }, example: "frnKYa3c" }) }) },
  responses: {
    302: redirectResponse("Redirect to the target, or to the fallbackUrl outside the code's limits"),
    404: htmlPage("Unknown, deleted or malformed token"),
    410: htmlPage("Outside the code's validity window or scan budget, with no fallbackUrl"),
    503: unavailableResponse,
  },
});

/**
 * The benchmark's baseline: the same app, middleware and headers, a constant 302 and nothing else.
 * Answers only when the bench starts the Worker with BENCH_ROUTES=1; everywhere else it is a 404.
 */
export const benchRouter = newRouter();
benchRouter.get("/constant-redirect", (c) =>
  c.env.BENCH_ROUTES === "1" ? c.body(null, 302, { ...PUBLIC_HEADERS, Location: "https://example.com/" }) : notFound(c),
);

redirectsRouter.get("/:token", async (c) => {
  const token = c.req.param("token");
  if (!SHORT_TOKEN_PATTERN.test(token)) return notFound(c);
  const link = await resolveShortToken(c.env, c.executionCtx, token);
  if (!link) return notFound(c);
  const { record } = link;
  const verdict = await applyLimits(c.env, record, { request: c.req.raw, kind: "scan" });
  recordVisit(c.env, c.executionCtx, c.req.raw, { codeId: record.codeId, orgId: record.orgId, kind: "scan", outcome: verdict.outcome });
  if (verdict.outcome === "target") {
    // The person this scan admitted may open the hosted page even once the budget is spent.
    if (verdict.tookScan && record.target.startsWith("/p/")) {
      const pass = await issuePagePass(c.env, token);
      if (pass) setPagePass(c, token, pass);
    }
    return redirectTo(c, record.target);
  }
  return verdict.outcome === "fallback" ? redirectTo(c, verdict.location) : refuse(c, verdict.refusal);
});
