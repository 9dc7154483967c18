import { z } from "@hono/zod-openapi";
import { recordVisit } from "../analytics/event";
import { SHORT_TOKEN_PATTERN } from "../codes/ids";
import { applyLimits } from "../codes/link-limits";
import { resolveShortToken } from "../codes/short-links";
import { issuePagePass } from "../codes/page-pass";
import { destinationOf } from "../codes/destination";
import type { AppEnv } from "../env";
import type { Context } from "hono";
import {
  htmlPage,
  notFound,
  passwordGate,
  PUBLIC_HEADERS,
  redirectResponse,
  redirectTo,
  refuse,
  setPagePass,
  UNLOCK_BODY_BYTES,
  unavailableResponse,
  unlockAndReturn,
  unlockOperation,
  usePageEnvelope,
} from "./public-edge";
import { limitBody } from "./errors";
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
    "302 to the code's target: the url, the hosted page (/p/{shortToken}) for text, links, audio, event and vcard, the stored file for file; or where the code's `routing` sends this request (the first matching rule, else a variant chosen per visitor and day), with the code's `utm` parameters added to an http(s) destination. `Cache-Control: no-store` (every scan reaches us, an edit applies at once) and `X-Robots-Tag: noindex`. Outside its limits a code sends everyone (people, previews, crawlers, HEAD) to its fallbackUrl, or answers 410 with a short page; only people use up a scan budget. Unknown tokens: a 404 page. HEAD is answered the same way and never counted as a scan. When neither KV nor D1 can answer, or a limited code's scan counter cannot (and it has no fallbackUrl), a 503 page with Retry-After.",
  request: { params: z.object({ shortToken: z.string().openapi({ param: { name: "shortToken", in: "path" }, example: "frnKYa3c" }) }) },
  responses: {
    302: redirectResponse("Redirect to the target, or to the fallbackUrl outside the code's limits"),
    403: htmlPage("The code is password protected and this browser has not unlocked it: the password page (nothing is counted)"),
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

/**
 * A visit of the short link: the image's scan (/r) or the share link's click (/s). Both go the
 * same way and draw on the same scan budget (a limit caps how many people reach the target, by
 * whichever link); analytics keep them apart. In order, all from the redirect record: the password
 * gate, the fallback of a broken destination (for codes that opted in), the limits, then the
 * destination the code's rules, variants and UTM parameters chose (codes/destination.ts).
 */
async function followShortLink(c: Context<AppEnv>, kind: "scan" | "click"): Promise<Response> {
  const token = c.req.param("token")!;
  if (!SHORT_TOKEN_PATTERN.test(token)) return notFound(c);
  const link = await resolveShortToken(c.env, c.executionCtx, token);
  if (!link) return notFound(c);
  const { record } = link;
  const locked = await passwordGate(c, record, token, new URL(c.req.url).pathname);
  if (locked) return locked;
  const visit = { codeId: record.codeId, orgId: record.orgId, kind };
  // The destination is chosen before the limits only when it could be broken with a fallback to
  // go to instead; otherwise only a scan the limits admit pays for choosing it (a variant's HMAC).
  const broken = record.brokenUrls ?? [];
  const fallbackWhenBroken = broken.length > 0 ? record.limits?.fallbackUrl : undefined;
  let destination = fallbackWhenBroken ? await destinationOf(c.env, record, c.req.raw) : null;
  // The owner opted in: while the destination is broken, people go to the fallback instead (and
  // take nothing from the scan budget: they never reach the destination).
  if (fallbackWhenBroken && destination && broken.includes(destination.target)) {
    recordVisit(c.env, c.executionCtx, c.req.raw, { ...visit, outcome: "fallback", rule: destination.rule, variant: destination.variant });
    return redirectTo(c, fallbackWhenBroken);
  }
  const verdict = await applyLimits(c.env, record, { request: c.req.raw, kind: "scan" });
  if (verdict.outcome === "target") {
    destination ??= await destinationOf(c.env, record, c.req.raw);
    recordVisit(c.env, c.executionCtx, c.req.raw, { ...visit, outcome: "target", rule: destination.rule, variant: destination.variant });
    // The person this scan admitted may open the hosted page even once the budget is spent.
    if (verdict.tookScan && destination.location.startsWith("/p/")) {
      const pass = await issuePagePass(c.env, token);
      if (pass) setPagePass(c, token, pass);
    }
    return redirectTo(c, destination.location);
  }
  recordVisit(c.env, c.executionCtx, c.req.raw, { ...visit, outcome: verdict.outcome });
  return verdict.outcome === "fallback" ? redirectTo(c, verdict.location) : refuse(c, verdict.refusal);
}

redirectsRouter.get("/:token", (c) => followShortLink(c, "scan"));
redirectsRouter.openAPIRegistry.registerPath(unlockOperation("unlockShortLink", "/r/{shortToken}"));
redirectsRouter.post("/:token", limitBody(UNLOCK_BODY_BYTES), (c) => unlockAndReturn(c, c.req.param("token"), `/r/${c.req.param("token")}`));

/** GET /s/{token}: the share link (attributes.shareUrl), for people to paste; counted as a click. */
export const shareLinksRouter = newRouter();
shareLinksRouter.use("*", usePageEnvelope);
shareLinksRouter.get("/:token", (c) => followShortLink(c, "click"));
shareLinksRouter.openAPIRegistry.registerPath(unlockOperation("unlockShareLink", "/s/{shortToken}"));
shareLinksRouter.post("/:token", limitBody(UNLOCK_BODY_BYTES), (c) => unlockAndReturn(c, c.req.param("token"), `/s/${c.req.param("token")}`));

shareLinksRouter.openAPIRegistry.registerPath({
  method: "get",
  path: "/{shortToken}",
  operationId: "followShareLink",
  tags: ["Public edge"],
  security: [],
  summary: "Follow a dynamic QR code's share link (attributes.shareUrl)",
  description:
    "Exactly what /r/{shortToken} answers (the same destination, rules, variants, UTM parameters, limits and scan budget), but the visit is recorded as a click, not a scan: the image encodes /r/{shortToken}, this is the link people paste. Clicks are listed at /qr_codes/{id}/clicks and counted in analytics.clicks.",
  request: { params: z.object({ shortToken: z.string().openapi({ param: { name: "shortToken", in: "path" }, example: "frnKYa3c" }) }) },
  responses: {
    302: redirectResponse("Redirect to the destination, or to the fallbackUrl outside the code's limits"),
    403: htmlPage("The code is password protected and this browser has not unlocked it: the password page (nothing is counted)"),
    404: htmlPage("Unknown, deleted or malformed token"),
    410: htmlPage("Outside the code's validity window or scan budget, with no fallbackUrl"),
    503: unavailableResponse,
  },
});
