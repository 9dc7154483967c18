import { createRoute, z } from "@hono/zod-openapi";
import { summarizeVisits, topCodes, type VisitKind } from "../db/analytics-reads";
import { bearerKeyAuth, requirePermission } from "./bearer";
import { problemEnvelope, problemResponse } from "./problem";
import { BREAKDOWN_LIMIT, EVERY_VIOLATION, fromBeforeTo, instantParam, rangeOf, representSummary, SUMMARY_FIELDS } from "./qr-codes/analytics";
import { organizationVisitExportsRouter } from "./qr-codes/export";
import { commonErrors } from "./qr-codes/openapi";
import { newRouter } from "./router";
import { withViolationMessages } from "./validation-messages";

/**
 * `GET /analytics/scans` and `GET /analytics/page-views`: an organization's totals and breakdowns
 * over all its codes, from the same daily rollups as a code's collections (one batch of three
 * queries whose cost grows with codes × active days in the range, never with scans), plus its
 * codes with the most human visits. The console's organization dashboard reads this, so it makes
 * one request whatever the number of codes. Same auth and envelope as `/qr_codes`.
 */

/** Codes listed in `byCode`. */
const TOP_CODES = 20;

const RangeQuerySchema = withViolationMessages(
  z.object({ from: instantParam("Inclusive"), to: instantParam("Exclusive") }).superRefine(fromBeforeTo, EVERY_VIOLATION),
);

const CodeCount = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  humans: z.number().int(),
  bots: z.number().int(),
});

const summarySchema = (name: string) =>
  z
    .object({
      "@context": z.string(),
      "@id": z.string(),
      "@type": z.literal(name),
      ...SUMMARY_FIELDS,
      byCode: z.array(CodeCount).openapi({ description: `The ${TOP_CODES} codes with the most human visits in the range, most first` }),
    })
    .openapi(name);

export const organizationAnalyticsRouter = newRouter();

organizationAnalyticsRouter.use("*", async (c, next) => {
  c.set("envelope", problemEnvelope);
  await next();
});
organizationAnalyticsRouter.use("*", bearerKeyAuth());
organizationAnalyticsRouter.route("/", organizationVisitExportsRouter);

const FAMILIES = [
  { segment: "scans", kind: "scan", type: "ScanSummary", what: "scans", operationId: "getOrganizationScanSummary" },
  { segment: "page-views", kind: "view", type: "PageViewSummary", what: "hosted page views", operationId: "getOrganizationPageViewSummary" },
  { segment: "clicks", kind: "click", type: "ShareClickSummary", what: "share link clicks (attributes.shareUrl)", operationId: "getOrganizationClickSummary" },
] as const satisfies readonly { segment: string; kind: VisitKind; type: string; what: string; operationId: string }[];

for (const family of FAMILIES) {
  const schema = summarySchema(family.type);
  organizationAnalyticsRouter.openapi(
    createRoute({
      method: "get",
      path: `/${family.segment}`,
      operationId: family.operationId,
      tags: ["QR codes"],
      security: [{ bearerKey: [] }],
      summary: `The organization's ${family.what}: totals and breakdowns over all its codes`,
      description:
        `Totals, scans per day and the breakdowns of every code of the organization in [from, to), whole UTC days, from the daily rollups; ` +
        "`totals.unique` adds up each code's unique visitors (a visitor of two codes counts twice). `byCode` ranks the codes. " +
        "Deleted codes no longer count.",
      middleware: [requirePermission("qr:ReadQrCode", "read")] as const,
      request: { query: RangeQuerySchema },
      responses: {
        200: { description: "The summary", content: { "application/ld+json": { schema } } },
        400: problemResponse("A query parameter is invalid (one violation each)"),
        ...commonErrors,
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const range = rangeOf(query.from?.ms ?? null, query.to?.ms ?? null);
      const orgId = c.get("apiKey").orgId;
      const [summary, byCode] = await Promise.all([
        summarizeVisits(c.env.DB, { orgId }, family.kind, range, BREAKDOWN_LIMIT),
        topCodes(c.env.DB, orgId, family.kind, range, TOP_CODES),
      ]);
      const body = { "@context": `/contexts/${family.type}`, "@id": `/analytics/${family.segment}`, "@type": family.type, ...representSummary(range, summary), byCode };
      return c.json(body as never, 200, { "Content-Type": "application/ld+json; charset=utf-8" });
    },
  );
}
