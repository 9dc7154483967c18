import { createRoute, z } from "@hono/zod-openapi";
import { TagFilterParam } from "../../codes/tags";
import { EXPORT_MEDIA_TYPES, exportCodes, exportFilename, exportVisits, VISIT_CSV_COLUMNS, type ExportFormat } from "../../codes/exports";
import { QR_CODE_TYPES } from "../../codes/types";
import { isoNow } from "../../lib/time";
import { requirePermission } from "../bearer";
import { publicBaseUrl } from "../origin";
import { problemResponse } from "../problem";
import { newRouter } from "../router";
import { withViolationMessages } from "../validation-messages";
import { CLICKS, EVERY_VIOLATION, fromBeforeTo, instantParam, PAGE_VIEWS, rangeOf, requireCodeOf, SCANS } from "./analytics";
import { commonErrors, IdParam, notFoundOrInvalid } from "./openapi";
import { queryParam } from "./query";
import { codeFirst } from "./write";

/**
 * Streamed CSV or JSON Lines files (codes/exports.ts), each a sub-path of the collection it exports:
 * `GET /qr_codes/export` (every code the listing's filters select), and the raw events of any
 * period, per code (`GET /qr_codes/{id}/scans/export`, `/clicks/export`, `/page-views/export`) and
 * per organization (`GET /analytics/scans/export` and the others, mounted by http/analytics.ts).
 * Mounted before `/{id}` and `/{id}/scans/{scanId}`, so "export" is never read as an id.
 */

export const FormatParam = queryParam(z.enum(["csv", "jsonl"]).default("csv")).describe("csv (RFC 4180, a header row) or jsonl (JSON Lines)");

const ExportQuery = withViolationMessages(
  z.object({
    format: FormatParam,
    type: queryParam(z.enum(QR_CODE_TYPES).optional()),
    search: queryParam(z.string().max(255).optional()).describe("Part of the name (case-insensitive for ASCII)"),
    tag: TagFilterParam,
    "order[createdAt]": queryParam(z.enum(["asc", "desc"]).default("desc")),
  }),
);

/** The headers of a streamed download saved as `filename`. */
export const downloadHeaders = (format: ExportFormat, filename: string) => ({
  "Content-Type": EXPORT_MEDIA_TYPES[format],
  "Content-Disposition": `attachment; filename="${filename}"`,
  "Cache-Control": "no-store",
});

const file = (description: string, what: string, record: string, line: string) => ({
  description,
  headers: { "Content-Disposition": { description: `attachment; filename="${what}-YYYY-MM-DD.csv" (or .jsonl)`, schema: { type: "string" as const } } },
  content: {
    "text/csv": { schema: { type: "string" as const, description: `A header row, then one record per ${record}; cells that start with = + - @ are prefixed with '` } },
    "application/jsonl": { schema: { type: "string" as const, description: line } },
  },
});

export const exportRouter = newRouter();

exportRouter.openapi(
  createRoute({
    method: "get",
    path: "/export",
    operationId: "exportQrCodes",
    tags: ["QR codes"],
    security: [{ bearerKey: [] }],
    summary: "Export the organization's QR codes as CSV or JSON Lines",
    description:
      "Every code the listing's filters select (type, search, tag, order), streamed page by page: a file of any size, never built whole. " +
      "CSV columns: id, name, type, tags (separated by commas, as the import reads them), short_token, dynamic_url, content (JSON), scans, views, created_at, updated_at.",
    middleware: [requirePermission("qr:ReadQrCode", "read")] as const,
    request: { query: ExportQuery },
    responses: { 200: file("The export, streamed", "codes", "code", "One QrCode representation per line"), 400: problemResponse("A query parameter is invalid (one violation each)"), ...commonErrors },
  }),
  (c) => {
    const query = c.req.valid("query");
    const body = exportCodes(
      c.env.DB,
      c.get("apiKey").orgId,
      { type: query.type, search: query.search || undefined, tags: query.tag, order: query["order[createdAt]"] },
      query.format,
      publicBaseUrl(c),
    );
    return c.body(body, 200, downloadHeaders(query.format, exportFilename("codes", query.format, isoNow())));
  },
);

const VisitExportQuery = withViolationMessages(
  z
    .object({
      format: FormatParam,
      from: instantParam("Inclusive"),
      to: instantParam("Exclusive"),
      bots: queryParam(z.enum(["include", "exclude"]).default("exclude")).describe("exclude: people only (bot and bot_reason say which events were not)"),
    })
    .superRefine(fromBeforeTo, EVERY_VIOLATION),
);

/** The raw events each family of analytics exports, per code and per organization. */
const VISIT_EXPORTS = [
  { family: SCANS, noun: "scan", plural: "scans", operations: ["exportQrCodeScans", "exportOrganizationScans"] },
  { family: CLICKS, noun: "click of the share link", plural: "clicks", operations: ["exportQrCodeClicks", "exportOrganizationClicks"] },
  { family: PAGE_VIEWS, noun: "hosted page view", plural: "page views", operations: ["exportQrCodePageViews", "exportOrganizationPageViews"] },
] as const;

const VISIT_SOURCES =
  "oldest first (within a day read from the archive, events of the same second in id order). Days past the raw window (SCAN_RAW_WINDOW_DAYS, 30 by default) are read from the raw-scan archive in R2, the rest from D1; events from before the archive existed are kept SCAN_RETENTION_DAYS (older periods keep only their counts, in the rollups).";

/** `GET /scans/export`, `/clicks/export` and `/page-views/export` under /analytics: every event of the organization's codes in a period. */
export const organizationVisitExportsRouter = newRouter();

for (const { family, noun, plural, operations } of VISIT_EXPORTS) {
  const columns = `CSV columns: ${VISIT_CSV_COLUMNS.join(", ")}; ${VISIT_SOURCES}`;
  const eventFile = file("The export, streamed", family.segment, noun, `One ${noun} per line: the fields of a ${family.type} and codeId`);
  const only = family.only ? ` ${family.only.types}; any other type is a 400.` : "";

  exportRouter.openapi(
    createRoute({
      method: "get",
      path: `/{id}/${family.segment}/export`,
      operationId: operations[0],
      tags: ["QR codes"],
      security: [{ bearerKey: [] }],
      summary: `Export a QR code's ${plural} as CSV or JSON Lines`,
      description: `Every raw ${noun} of the code in [from, to), streamed. ${columns}${only}`,
      middleware: [requirePermission("qr:ReadQrCode", "read"), codeFirst((c, id) => requireCodeOf(c, family, id))] as const,
      request: { params: IdParam, query: VisitExportQuery },
      responses: { 200: eventFile, 400: notFoundOrInvalid(`A query parameter is invalid (one violation each)${family.only ? `, or the code is of another type (${family.only.error})` : ""}`), ...commonErrors },
    }),
    (c) => {
      const query = c.req.valid("query");
      const code = c.get("code");
      const range = rangeOf(query.from?.ms ?? null, query.to?.ms ?? null);
      const body = exportVisits(c.env, { codeId: code.id, orgId: code.orgId }, family.kind, { range, includeBots: query.bots === "include" }, query.format);
      return c.body(body, 200, downloadHeaders(query.format, exportFilename(`${family.segment}-${code.id}`, query.format, isoNow())));
    },
  );

  organizationVisitExportsRouter.openapi(
    createRoute({
      method: "get",
      path: `/${family.segment}/export`,
      operationId: operations[1],
      tags: ["QR codes"],
      security: [{ bearerKey: [] }],
      summary: `Export the organization's ${plural} as CSV or JSON Lines`,
      description: `Every raw ${noun} of every code the organization has in [from, to), streamed (a deleted code's events no longer count). ${columns}`,
      middleware: [requirePermission("qr:ReadQrCode", "read")] as const,
      request: { query: VisitExportQuery },
      responses: { 200: eventFile, 400: problemResponse("A query parameter is invalid (one violation each)"), ...commonErrors },
    }),
    (c) => {
      const query = c.req.valid("query");
      const range = rangeOf(query.from?.ms ?? null, query.to?.ms ?? null);
      const body = exportVisits(c.env, { orgId: c.get("apiKey").orgId }, family.kind, { range, includeBots: query.bots === "include" }, query.format);
      return c.body(body, 200, downloadHeaders(query.format, exportFilename(family.segment, query.format, isoNow())));
    },
  );
}
