import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { DYNAMIC_TYPES, hasLandingPage, isDynamicType, LANDING_PAGE_TYPES } from "../../codes/catalog";
import {
  DIMENSIONS,
  findVisit,
  listVisits,
  OPEN_RANGE,
  summarizeVisits,
  type Dimension,
  type VisitKind,
  type VisitRange,
  type VisitRecord,
  type VisitSummary,
} from "../../db/analytics-reads";
import type { QrCodeRecord } from "../../codes/record";
import { isoNow } from "../../lib/time";
import type { AppEnv } from "../../env";
import { requirePermission } from "../bearer";
import { ApiError } from "../errors";
import { problemResponse } from "../problem";
import { newRouter } from "../router";
import { withViolationMessages } from "../validation-messages";
import { collectionView, commonErrors, documentedQueryFirst, IdParam, PartialCollectionViewSchema } from "./openapi";
import { PAGE_SIZE, PageParam, queryParam } from "./query";
import { codeFirst, requireCode } from "./write";

/**
 * `GET /qr_codes/{id}/scans` and `GET /qr_codes/{id}/page-views`: the raw events as a paged
 * JSON-LD collection, with totals and breakdowns read from the daily rollups. Mounted inside the
 * resource router, so its bearer auth and problem+json envelope apply.
 */

/** Values listed per breakdown dimension, most human visits first. */
export const BREAKDOWN_LIMIT = 50;

type Ctx = Context<AppEnv>;

export interface Family {
  kind: VisitKind;
  segment: "scans" | "page-views" | "clicks";
  type: "ScanLog" | "PageView" | "ShareClick";
  notFound: string;
  /** The operation ids of the collection and of one event. */
  operations: [string, string];
  /** What the collection and one event are, for the document. */
  what: [string, string];
  /** The code's counter that `totals.human` equals with no range. */
  counter: "scans" | "views" | "clicks";
  /** The codes that can have such events; any other is a clear 400 rather than an always-empty list. */
  only?: { error: string; types: string; accepts: (code: QrCodeRecord) => boolean };
}
export const SCANS: Family = {
  kind: "scan",
  segment: "scans",
  type: "ScanLog",
  notFound: "Scan not found",
  operations: ["listQrCodeScans", "getQrCodeScan"],
  what: ["The code's scans, with totals and breakdowns", "One scan"],
  counter: "scans",
};
export const PAGE_VIEWS: Family = {
  kind: "view",
  segment: "page-views",
  type: "PageView",
  notFound: "Page view not found",
  operations: ["listQrCodePageViews", "getQrCodePageView"],
  what: ["The code's hosted page views, with totals and breakdowns", "One page view"],
  counter: "views",
  only: { error: "NOT_HOSTED", types: `Page views exist only for hosted types (${LANDING_PAGE_TYPES.join(", ")})`, accepts: (code) => hasLandingPage(code.type) },
};
export const CLICKS: Family = {
  kind: "click",
  segment: "clicks",
  type: "ShareClick",
  notFound: "Click not found",
  operations: ["listQrCodeClicks", "getQrCodeClick"],
  what: ["The visits of the code's share link (attributes.shareUrl), with totals and breakdowns", "One click of the share link"],
  counter: "clicks",
  only: { error: "NOT_DYNAMIC", types: `Clicks exist only for dynamic types (${DYNAMIC_TYPES.join(", ")}), whose share link is attributes.shareUrl`, accepts: (code) => isDynamicType(code.type) },
};

const read = requirePermission("qr:ReadQrCode", "read");

// Query

interface VisitQuery {
  page: number;
  /** The parameters as sent (valid), kept in the view links. */
  from?: string;
  to?: string;
  range: VisitRange;
  includeBots: boolean;
  order: "asc" | "desc";
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/;
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59);
const TIME_MESSAGE = "must be an ISO 8601 date (2026-11-21) or date-time with an offset (2026-11-21T08:30:00Z), from 1970 to 9999";

/**
 * An ISO 8601 date (midnight UTC) or date-time with an offset, as milliseconds rounded up to the
 * next whole second (events are stored to the second, so `at >= from` and `at < to` keep their
 * meaning), or null when it is not one.
 */
export function parseInstant(text: string): number | null {
  const match = DATE_TIME.exec(text) ?? DATE.exec(text);
  if (!match) return null;
  const [, y, mo, d, h = "00", mi = "00", s = "00", fraction = "", zone = "Z"] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s));
  // setUTC* rolls over (Feb 30 becomes Mar 2): a value that does not read back was not a date.
  if (date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d)) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  let offsetMinutes = 0;
  if (zone !== "Z") {
    const [oh, om] = zone.slice(1).split(":").map(Number) as [number, number];
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (zone.startsWith("-") ? -1 : 1) * (oh * 60 + om);
  }
  const ms = date.getTime() - offsetMinutes * 60_000 + (/[1-9]/.test(fraction) ? 1000 : 0);
  return ms >= EARLIEST && ms <= LATEST ? ms : null;
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The rollups are per UTC day: totals cover every day the range touches. */
export function rangeOf(from: number | null, to: number | null): VisitRange {
  const fromAt = from === null ? OPEN_RANGE.from : isoNow(new Date(from));
  const toAt = to === null ? OPEN_RANGE.to : isoNow(new Date(to));
  return {
    from: fromAt,
    to: toAt,
    fromDay: from === null ? OPEN_RANGE.fromDay : fromAt.slice(0, 10),
    toDay: to === null ? OPEN_RANGE.toDay : toAt.endsWith("T00:00:00+00:00") ? toAt.slice(0, 10) : nextDay(toAt.slice(0, 10)),
  };
}

/** An unencoded "+" in an offset arrives as a space; nothing else could have put one there. */
const restorePlus = (text: string) => text.replace(/ (\d{2}:\d{2})$/, "+$1");

export const instantParam = (bound: string) =>
  queryParam(
    z
      .string()
      .transform((sent, ctx) => {
        const text = restorePlus(sent);
        const ms = parseInstant(text);
        if (ms === null) {
          ctx.addIssue({ code: "custom", message: TIME_MESSAGE });
          return z.NEVER;
        }
        return { text, ms };
      })
      .optional(),
  )
    .describe(`${bound}. ISO 8601 date (midnight UTC) or date-time with an offset`)
    .openapi({ example: bound === "Inclusive" ? "2026-11-01" : "2026-12-01" });

type InstantParam = { text: string; ms: number } | undefined;

/** `to` must come after `from` (one violation, at `to`). */
export function fromBeforeTo(query: { from?: InstantParam; to?: InstantParam }, ctx: z.RefinementCtx): void {
  const from = query.from?.ms;
  const to = query.to?.ms;
  if (typeof from === "number" && typeof to === "number" && from >= to) ctx.addIssue({ code: "custom", path: ["to"], message: "must be later than from" });
}
/** Refinements run also when another parameter failed: every violation at once. */
export const EVERY_VIOLATION = { when: (payload: { value: unknown }) => typeof payload.value === "object" && payload.value !== null };

/** The query of both collections: which page of which events, in which order. */
const VisitQuerySchema = withViolationMessages(
  z
    .object({
      page: PageParam,
      from: instantParam("Inclusive"),
      to: instantParam("Exclusive"),
      bots: queryParam(z.enum(["include", "exclude"]).default("exclude")).describe("exclude: human events only in `member`; totals always show both"),
      "order[at]": queryParam(z.enum(["asc", "desc"]).default("desc")),
    })
    .superRefine(fromBeforeTo, EVERY_VIOLATION)
    .transform(
      (query): VisitQuery => ({
        page: query.page,
        from: query.from?.text,
        to: query.to?.text,
        range: rangeOf(query.from?.ms ?? null, query.to?.ms ?? null),
        includeBots: query.bots === "include",
        order: query["order[at]"],
      }),
    ),
);

function pageLink(path: string, query: VisitQuery, page: number): string {
  const params = new URLSearchParams();
  if (query.from !== undefined) params.set("from", query.from);
  if (query.to !== undefined) params.set("to", query.to);
  if (query.includeBots) params.set("bots", "include");
  if (query.order !== "desc") params.set("order[at]", query.order);
  params.set("page", String(page));
  return `${path}?${params.toString()}`;
}

// Representation

/**
 * A JSON-LD answer. The body is assembled from rows and rollups (breakdowns keyed by dimension)
 * whose TypeScript types are wider than the document's literals, so it is not checked against the
 * route's response schema here.
 */
const ld = (c: Ctx, body: unknown) => c.json(body as never, 200, { "Content-Type": "application/ld+json; charset=utf-8" });

const representVisit = (path: string, family: Family, visit: VisitRecord) => ({ "@id": `${path}/${visit.id}`, "@type": family.type, ...visit });

const BREAKDOWN_KEYS: Record<Dimension, string> = {
  country: "byCountry",
  device: "byDevice",
  os: "byOs",
  browser: "byBrowser",
  referrer: "byReferrer",
  rule: "byRule",
  variant: "byVariant",
};

function totalsOf(summary: VisitSummary) {
  let human = 0;
  let bots = 0;
  let unique = 0;
  for (const day of summary.days) {
    human += day.humans;
    bots += day.bots;
    unique += day.unique;
  }
  return { all: human + bots, human, unique, bots };
}

const bounded = (value: string) => (value === OPEN_RANGE.from || value === OPEN_RANGE.to ? null : value);

/** The range, totals and breakdowns of a summary, as a code's collections and the organization's summary show them. */
export function representSummary(range: VisitRange, summary: VisitSummary) {
  return {
    range: {
      from: bounded(range.from),
      to: bounded(range.to),
      days: { from: bounded(range.fromDay), to: bounded(range.toDay) },
    },
    totals: totalsOf(summary),
    breakdowns: {
      byDay: summary.days,
      ...Object.fromEntries(DIMENSIONS.map((dimension) => [BREAKDOWN_KEYS[dimension], summary.dimensions[dimension]])),
    },
  };
}

async function answerCollection(c: Ctx, family: Family, code: QrCodeRecord, query: VisitQuery) {
  const path = `/qr_codes/${code.id}/${family.segment}`;
  const [list, summary] = await Promise.all([
    listVisits(c.env.DB, code.id, family.kind, { range: query.range, includeBots: query.includeBots, order: query.order, limit: PAGE_SIZE, offset: (query.page - 1) * PAGE_SIZE }),
    summarizeVisits(c.env.DB, { codeId: code.id }, family.kind, query.range, BREAKDOWN_LIMIT),
  ]);
  return ld(c, {
    "@context": `/contexts/${family.type}`,
    "@id": path,
    "@type": "Collection",
    totalItems: list.total,
    member: list.items.map((visit) => representVisit(path, family, visit)),
    view: collectionView(query.page, list.total, PAGE_SIZE, (page) => pageLink(path, query, page)),
    ...representSummary(query.range, summary),
  });
}

async function answerItem(c: Ctx, family: Family, code: QrCodeRecord, eventId: string) {
  const visit = eventId.length <= 100 ? await findVisit(c.env.DB, code.id, family.kind, eventId) : null;
  if (!visit) throw new ApiError(400, "NOT_FOUND", family.notFound);
  return ld(c, { "@context": `/contexts/${family.type}`, ...representVisit(`/qr_codes/${code.id}/${family.segment}`, family, visit) });
}

/** Page views exist only where there is a page, clicks where there is a share link: a clear refusal rather than an always-empty list. */
export async function requireCodeOf(c: Ctx, family: Family, id: string): Promise<QrCodeRecord> {
  const code = await requireCode(c, id);
  if (family.only && !family.only.accepts(code)) throw new ApiError(400, family.only.error, `${family.only.types}; this is a ${code.type} code`);
  return code;
}

// OpenAPI

const visitSchema = (name: string) =>
  z
    .object({
      "@id": z.string().openapi({ example: "/qr_codes/0193a1b2c3d4e5f6a7b8c9d0/scans/5b0f…" }),
      "@type": z.literal(name),
      id: z.string(),
      at: z.string().openapi({ example: "2026-11-21T08:31:00+00:00" }),
      country: z.string().nullable().openapi({ description: "ISO 3166-1 alpha-2, from Cloudflare", example: "FR" }),
      region: z.string().nullable(),
      city: z.string().nullable(),
      device: z.string().openapi({ description: "mobile, tablet, desktop, console, tv, wearable, embedded, bot or unknown" }),
      os: z.string().nullable(),
      browser: z.string().nullable(),
      referrerHost: z.string().nullable(),
      bot: z.boolean().openapi({ description: "A crawler, link preview, prefetch or HEAD request: logged, never counted as a human" }),
      botReason: z.enum(["isbot", "preview", "prefetch", "head"]).nullable(),
      outcome: z.enum(["target", "fallback", "refused"]).openapi({ description: "Where the visitor was sent (fallback or refused: the code's limits applied)" }),
      rule: z.string().nullable().openapi({ description: 'Beyond the contract: the routing rule that chose the destination ("default": the code has rules, none matched); null when none applied' }),
      variant: z.string().nullable().openapi({ description: "Beyond the contract: the A/B variant that chose the destination; null when none did" }),
    })
    .openapi(name);

const Count = z.object({ value: z.string(), humans: z.number().int(), bots: z.number().int() });
const Breakdown = z.array(Count).openapi({ description: `Top ${BREAKDOWN_LIMIT} values, most human visits first; unknown values are "unknown" (referrer: "direct")` });

/** The schema of representSummary's fields. */
export const SUMMARY_FIELDS = {
  range: z.object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    days: z.object({ from: z.string().nullable(), to: z.string().nullable() }).openapi({ description: "The UTC days totals and breakdowns cover (to exclusive): every day the range touches" }),
  }),
  totals: z
    .object({ all: z.number().int(), human: z.number().int(), unique: z.number().int(), bots: z.number().int() })
    .openapi({ description: "From the daily rollups, bots included whatever `bots` says. unique counts (day, visitor) pairs: the visitor key changes every UTC day" }),
  breakdowns: z.object({
    byDay: z.array(z.object({ day: z.string(), humans: z.number().int(), bots: z.number().int(), unique: z.number().int() })).openapi({ description: "Days with activity, oldest first" }),
    byCountry: Breakdown,
    byDevice: Breakdown,
    byOs: Breakdown,
    byBrowser: Breakdown,
    byReferrer: Breakdown,
    byRule: z
      .array(Count)
      .openapi({ description: 'Beyond the contract: the routing rule that chose each destination, by its name (else "rule 2"); "default" when the code had rules and none matched. Empty for codes without rules' }),
    byVariant: z.array(Count).openapi({ description: 'Beyond the contract: the A/B variant that chose each destination, by its name (else "A", "B", …). Empty for codes without variants' }),
  }),
};

const collectionSchema = (name: string, member: ReturnType<typeof visitSchema>) =>
  z
    .object({
      "@context": z.string(),
      "@id": z.string(),
      "@type": z.literal("Collection"),
      totalItems: z.number().int().openapi({ description: "Events matching the range and the bots filter (raw rows, kept in D1 for the raw window, SCAN_RAW_WINDOW_DAYS; the scan exports read older ones from the archive)" }),
      member: z.array(member),
      view: PartialCollectionViewSchema,
      ...SUMMARY_FIELDS,
    })
    .openapi(name);

const ScanLogSchema = visitSchema("ScanLog");
const PageViewSchema = visitSchema("PageView");
const ShareClickSchema = visitSchema("ShareClick");
const schemas = {
  scans: { member: ScanLogSchema, collection: collectionSchema("ScanLogCollection", ScanLogSchema) },
  "page-views": { member: PageViewSchema, collection: collectionSchema("PageViewCollection", PageViewSchema) },
  clicks: { member: ShareClickSchema, collection: collectionSchema("ShareClickCollection", ShareClickSchema) },
};

const ItemParams = IdParam.extend({ eventId: z.string().openapi({ param: { name: "eventId", in: "path" } }) });

export const analyticsRouter = newRouter();

for (const family of [SCANS, PAGE_VIEWS, CLICKS]) {
  const only = family.only ? ` ${family.only.types}; any other type is a 400.` : "";
  const ld200 = (description: string, schema: z.ZodType) => ({ description, content: { "application/ld+json": { schema } } });
  const load = (c: Ctx, id: string) => requireCodeOf(c, family, id);
  const notFound = family.only
    ? `the code is of another type (${family.only.error}), or the QR code was not found (the same answer for another organization's id)`
    : "or the QR code was not found (the same answer for another organization's id)";

  const collection = createRoute({
    method: "get",
    path: `/{id}/${family.segment}`,
    operationId: family.operations[0],
    tags: ["QR codes"],
    security: [{ bearerKey: [] }],
    summary: family.what[0],
    description:
      `JSON-LD collection of the raw events, ${PAGE_SIZE} per page, newest first, in [from, to). ` +
      "`totals` and `breakdowns` come from daily rollups and cover whole UTC days; they outlive the raw events. " +
      "`totals.human` with no range equals `analytics." +
      family.counter +
      "` on the code." +
      only,
    middleware: [read, codeFirst(load)] as const,
    request: { params: IdParam, query: VisitQuerySchema },
    responses: {
      200: ld200("A page of events, totals and breakdowns", schemas[family.segment].collection),
      400: problemResponse(`A query parameter is invalid (one violation each), ${notFound}`),
      ...commonErrors,
    },
  });
  analyticsRouter.openapi({ ...collection, hide: true }, async (c) => answerCollection(c, family, c.get("code"), c.req.valid("query")));
  // Documented with its query before the path's id, as this family's operations always listed them.
  analyticsRouter.openAPIRegistry.registerPath(documentedQueryFirst(collection));

  analyticsRouter.openapi(
    createRoute({
      method: "get",
      path: `/{id}/${family.segment}/{eventId}`,
      operationId: family.operations[1],
      tags: ["QR codes"],
      security: [{ bearerKey: [] }],
      summary: family.what[1],
      description: `An event of the code while its raw row is kept in D1 (the raw window, SCAN_RAW_WINDOW_DAYS; older ones are in the scan exports, read from the archive).${only}`,
      middleware: [read] as const,
      request: { params: ItemParams },
      responses: {
        200: ld200(family.what[1], schemas[family.segment].member),
        400: problemResponse(`No such event of this code (${family.notFound}), ${notFound}`),
        ...commonErrors,
      },
    }),
    async (c) => {
      const { id, eventId } = c.req.valid("param");
      return answerItem(c, family, await load(c, id), eventId);
    },
  );
}
