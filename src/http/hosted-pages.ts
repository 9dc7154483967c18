import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { recordVisit } from "../analytics/event";
import { attachmentOf, hasPage } from "../codes/catalog";
import { SHORT_TOKEN_PATTERN } from "../codes/ids";
import { applyLimits } from "../codes/link-limits";
import { isValidPagePass } from "../codes/page-pass";
import { codeOfLink, redirectRecordOf, refillRedirect, resolveShortToken } from "../codes/short-links";
import type { QrCodeType } from "../codes/types";
import type { QrCodeRecord } from "../codes/record";
import type { AppEnv } from "../env";
import { ASSETS, ASSETS_VERSION } from "../pages/assets";
import { buildAttachment, type AttachmentName } from "../pages/attachments";
import { renderHostedPage } from "../pages/hosted";
import { publicBaseUrl } from "./origin";
import { limitBody } from "./errors";
import {
  htmlPage as html,
  notFound,
  pagePassOf,
  passwordGate,
  PUBLIC_HEADERS as LINK_HEADERS,
  redirectResponse,
  redirectTo,
  refuse,
  UNLOCK_BODY_BYTES,
  unavailableResponse,
  unlockAndReturn,
  unlockOperation,
  usePageEnvelope,
} from "./public-edge";
import { newRouter } from "./router";

/**
 * GET /p/{token}: the hosted page of a text, links, audio or event code, and a vcard code's
 * contact card, with their .ics and .vcf. Cost per view at a viral code's rate: the link store's
 * lookup (memory, or one edge-cached KV read) and one Workers Cache API lookup of the rendered
 * document, keyed by token and the code's version, so an edit is a new key and never serves
 * stale content. D1 is read only when the cache misses (once per location per edit) or KV has
 * no record. The view is counted after the response.
 */

/** Bump when the markup changes in a way that must not be mixed with cached copies. */
const RENDER_VERSION = `1-${ASSETS_VERSION}`;
/** How long a location keeps a rendered document; every edit changes the key anyway. */
const EDGE_CACHE_CONTROL = "public, max-age=86400";

/** The page itself, or a file beside it (`/p/{token}/event.ics`). */
type Variant = "page" | AttachmentName;

/** Whether a code of this type has this document (the catalog says). */
const serves = (variant: Variant, type: QrCodeType): boolean => (variant === "page" ? hasPage(type) : attachmentOf(type) === variant);

/** Headers of every response of this router: people get it fresh (views are counted), robots skip it. */
const PUBLIC_HEADERS = {
  ...LINK_HEADERS,
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
};

function cacheKey(c: Context<AppEnv>, variant: Variant, token: string, version: number, pageUrl: string): Request {
  const key = new URL(`/__hosted-cache/${variant}/${token}`, c.req.url);
  key.searchParams.set("v", String(version));
  key.searchParams.set("r", RENDER_VERSION);
  // og:url and the .ics URL carry the public origin, so a copy belongs to one origin.
  key.searchParams.set("u", pageUrl);
  return new Request(key.toString());
}

interface Rendered {
  body: string;
  headers: Record<string, string>;
}

async function render(variant: Variant, code: QrCodeRecord, pageUrl: string): Promise<Rendered> {
  if (variant === "page") {
    const page = await renderHostedPage(code, pageUrl);
    return { body: page.html, headers: { "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": page.csp } };
  }
  const file = buildAttachment(variant, code, pageUrl);
  return { body: file.body, headers: { "Content-Type": file.contentType, "Content-Disposition": `attachment; filename="${variant}"` } };
}

/** The Cache API is an optimisation: when it fails, the page is rendered from D1 instead. */
async function cachedCopy(key: Request): Promise<Response | undefined> {
  try {
    return await caches.default.match(key);
  } catch (err) {
    console.error(JSON.stringify({ level: "warn", event: "page_cache_failed", error: err instanceof Error ? err.message : String(err) }));
    return undefined;
  }
}

/**
 * The link store (memory, KV, D1), then the rendered copy in the Cache API; D1 (the source of
 * truth) is read for the content only when the copy is missing. Whatever the path, the answer is
 * the same bytes for the same code version.
 */
async function serve(c: Context<AppEnv>, variant: Variant): Promise<Response> {
  const token = c.req.param("token") ?? "";
  if (!SHORT_TOKEN_PATTERN.test(token)) return notFound(c);
  const pageUrl = `${publicBaseUrl(c)}/p/${token}`;

  const link = await resolveShortToken(c.env, c.executionCtx, token);
  if (!link || !serves(variant, link.record.type)) return notFound(c);
  const locked = await passwordGate(c, link.record, token, `/p/${token}`);
  if (locked) return locked;
  // The same limits as the short link: a spent budget or closed window sends everyone where a
  // person would go, unless this person holds the pass their admitted scan gave them.
  const hasPass = link.record.limits?.maxScans != null && (await isValidPagePass(c.env, token, pagePassOf(c)));
  const verdict = await applyLimits(c.env, link.record, { request: c.req.raw, kind: "view", hasPass });
  if (verdict.outcome === "fallback") return redirectTo(c, verdict.location);
  if (verdict.outcome === "refused") return refuse(c, verdict.refusal);
  // A record written before versions were recorded has no key to look under: read D1 and refresh it.
  const hit = link.record.version === undefined ? undefined : await cachedCopy(cacheKey(c, variant, token, link.record.version, pageUrl));

  let rendered: Rendered;
  if (hit) {
    const headers: Record<string, string> = {};
    for (const name of ["Content-Type", "Content-Security-Policy", "Content-Disposition"]) {
      const value = hit.headers.get(name);
      if (value) headers[name] = value;
    }
    rendered = { body: await hit.text(), headers };
  } else {
    const code = await codeOfLink(c.env, token, link);
    const fresh = code ? redirectRecordOf(code) : null;
    if (!code || !fresh || !serves(variant, code.type)) return notFound(c);
    rendered = await render(variant, code, pageUrl);
    const stored = new Response(rendered.body, { headers: { ...rendered.headers, "Cache-Control": EDGE_CACHE_CONTROL } });
    c.executionCtx.waitUntil(caches.default.put(cacheKey(c, variant, token, code.version, pageUrl), stored).catch(() => undefined));
    if (link.record.version === undefined) c.executionCtx.waitUntil(refillRedirect(c.env, token, fresh));
  }

  if (variant === "page") recordVisit(c.env, c.executionCtx, c.req.raw, { codeId: link.record.codeId, orgId: link.record.orgId, kind: "view" });
  return c.body(rendered.body, 200, { ...PUBLIC_HEADERS, ...rendered.headers });
}

export const hostedPagesRouter = newRouter();
hostedPagesRouter.use("*", usePageEnvelope);

const tokenParam = z.object({ shortToken: z.string().openapi({ param: { name: "shortToken", in: "path" }, example: "frnKYa3c" }) });

hostedPagesRouter.openAPIRegistry.registerPath({
  method: "get",
  path: "/{shortToken}",
  operationId: "getHostedPage",
  tags: ["Public edge"],
  security: [],
  summary: "A code's hosted page",
  description:
    "Server-rendered page of a text, links, audio or event code, or a vcard code's contact card. Counted as a page view. The code's limits apply as on its short link: outside its window, or once its scan budget is spent, visitors go to the fallbackUrl or get a 410 page, except the person whose scan was admitted (a `qr_pass` cookie scoped to this page, set by the redirect, valid 10 minutes). `Cache-Control: no-store`, `X-Robots-Tag: noindex`, `Referrer-Policy: no-referrer` and a strict Content-Security-Policy: nothing is loaded from another origin, no inline script; the page's colours are one `<style>` rule pinned by its SHA-256. Remote (http) images in the content are not loaded; uploads are.",
  request: { params: tokenParam },
  responses: {
    200: html("The page"),
    403: html("The code is password protected and this browser has not unlocked it: the password page, whose form posts to /p/{shortToken}"),
    404: html("Unknown, deleted or malformed token, or a type without a page"),
    302: redirectResponse("Outside the code's validity window or spent scan budget, to its fallbackUrl"),
    410: html("Outside the code's validity window or spent scan budget (without the pass the admitted scan set), with no fallbackUrl"),
    503: unavailableResponse,
  },
});

hostedPagesRouter.openAPIRegistry.registerPath({
  method: "get",
  path: "/{shortToken}/event.ics",
  operationId: "getEventCalendar",
  tags: ["Public edge"],
  security: [],
  summary: "An event code's iCalendar file",
  description: "RFC 5545 calendar with one VEVENT, times in UTC, as an attachment (`event.ics`). Event codes only.",
  request: { params: tokenParam },
  responses: {
    200: { description: "The calendar", content: { "text/calendar": { schema: { type: "string" } } } },
    403: html("The code is password protected and this browser has not unlocked it: the password page, whose form posts to /p/{shortToken}"),
    404: html("Unknown token, or not an event code"),
    302: redirectResponse("Outside the code's validity window or spent scan budget, to its fallbackUrl"),
    410: html("Outside the code's validity window or spent scan budget (without the pass the admitted scan set), with no fallbackUrl"),
    503: unavailableResponse,
  },
});

hostedPagesRouter.openAPIRegistry.registerPath({
  method: "get",
  path: "/{shortToken}/contact.vcf",
  operationId: "getContactCard",
  tags: ["Public edge"],
  security: [],
  summary: "A vcard code's contact",
  description: "vCard 3.0 as an attachment (`contact.vcf`). vcard codes only.",
  request: { params: tokenParam },
  responses: {
    200: { description: "The vCard", content: { "text/vcard": { schema: { type: "string" } } } },
    403: html("The code is password protected and this browser has not unlocked it: the password page, whose form posts to /p/{shortToken}"),
    404: html("Unknown token, or not a vcard code"),
    302: redirectResponse("Outside the code's validity window or spent scan budget, to its fallbackUrl"),
    410: html("Outside the code's validity window or spent scan budget (without the pass the admitted scan set), with no fallbackUrl"),
    503: unavailableResponse,
  },
});

hostedPagesRouter.get("/:token", (c) => serve(c, "page"));
hostedPagesRouter.openAPIRegistry.registerPath(unlockOperation("unlockHostedPage", "/p/{shortToken}"));
hostedPagesRouter.post("/:token", limitBody(UNLOCK_BODY_BYTES), (c) => unlockAndReturn(c, c.req.param("token"), `/p/${c.req.param("token")}`));
hostedPagesRouter.get("/:token/event.ics", (c) => serve(c, "event.ics"));
hostedPagesRouter.get("/:token/contact.vcf", (c) => serve(c, "contact.vcf"));

/** The hosted pages' stylesheet, script and icon, at content-hashed paths. */
export const pageAssetsRouter = newRouter();

pageAssetsRouter.openAPIRegistry.registerPath({
  method: "get",
  path: "/{file}",
  operationId: "getPageAsset",
  tags: ["Public edge"],
  security: [],
  summary: "The hosted pages' stylesheet, locale script and icon",
  description: "Content-hashed paths (`/assets/page-<hash>.css`, `/assets/locale-<hash>.js`, `/assets/icon-<hash>.svg`), cached for a year as immutable.",
  request: { params: z.object({ file: z.string().openapi({ param: { name: "file", in: "path" } }) }) },
  responses: {
    200: { description: "The asset", content: { "text/css": { schema: { type: "string" } }, "text/javascript": { schema: { type: "string" } }, "image/svg+xml": { schema: { type: "string" } } } },
    404: html("No such asset"),
  },
});

pageAssetsRouter.get("/:file", (c) => {
  const asset = ASSETS.get(new URL(c.req.url).pathname);
  if (!asset) return notFound(c);
  return c.body(asset.body, 200, {
    "Content-Type": asset.contentType,
    "Cache-Control": "public, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
    // Opened directly (the SVG), an asset is inert.
    "Content-Security-Policy": "default-src 'none'",
    // Same-origin subresources only: other sites have no reason to load them.
    "Cross-Origin-Resource-Policy": "same-origin",
  });
});
