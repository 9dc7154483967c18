import { createRoute, z } from "@hono/zod-openapi";
import { TagFilterParam } from "../../codes/tags";
import { EXPORT_MEDIA_TYPES, exportCodes, exportFilename, exportVisits, type ExportFormat } from "../../codes/exports";
import { QR_CODE_TYPES } from "../../codes/types";
import { isoNow } from "../../lib/time";
import { requirePermission } from "../bearer";
import { publicBaseUrl } from "../origin";
import { problemResponse } from "../problem";
import { newRouter } from "../router";
import { withViolationMessages } from "../validation-messages";
import { EVERY_VIOLATION, fromBeforeTo, instantParam, rangeOf } from "./analytics";
import { commonErrors, IdParam, notFoundOrInvalid } from "./openapi";
import { queryParam } from "./query";
import { codeFirst } from "./write";

/**
 * Streamed CSV or JSON Lines files (codes/exports.ts), each a sub-path of the collection it exports:
 * `GET /qr_codes/export` (every code the listing's filters select), `GET /qr_codes/{id}/scans/export`
 * and `GET /analytics/scans/export` (the organization's, mounted by http/analytics.ts), raw scans of
 * any period. Mounted before `/{id}` and `/{id}/scans/{scanId}`, so "export" is never read as an id.
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

const file = (description: string, what: "codes" | "scans", line: string) => ({
  description,
  headers: { "Content-Disposition": { description: `attachment; filename="${what}-YYYY-MM-DD.csv" (or .jsonl)`, schema: { type: "string" as const } } },
  content: {
    "text/csv": { schema: { type: "string" as const, description: `A header row, then one record per ${what === "codes" ? "code" : "scan"}; cells that start with = + - @ are prefixed with '` } },
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
    responses: { 200: file("The export, streamed", "codes", "One QrCode representation per line"), 400: problemResponse("A query parameter is invalid (one violation each)"), ...commonErrors },
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

const ScanExportQuery = withViolationMessages(
  z
    .object({
      format: FormatParam,
      from: instantParam("Inclusive"),
      to: instantParam("Exclusive"),
      bots: queryParam(z.enum(["include", "exclude"]).default("exclude")).describe("exclude: human scans only (bot and bot_reason say which were not)"),
    })
    .superRefine(fromBeforeTo, EVERY_VIOLATION),
);

const SCAN_COLUMNS =
  "CSV columns: id, code_id, at, country, region, city, device, os, browser, referrer_host, bot, bot_reason, outcome; oldest first (within a day read from the archive, scans of the same second in id order). Days past the raw window (SCAN_RAW_WINDOW_DAYS, 30 by default) are read from the raw-scan archive in R2, the rest from D1; scans from before the archive existed are kept SCAN_RETENTION_DAYS (older periods keep only their counts, in the rollups).";
const scanFile = file("The export, streamed", "scans", "One scan per line: the fields of a ScanLog and codeId");

exportRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}/scans/export",
    operationId: "exportQrCodeScans",
    tags: ["QR codes"],
    security: [{ bearerKey: [] }],
    summary: "Export a QR code's scans as CSV or JSON Lines",
    description: `Every raw scan of the code in [from, to), streamed. ${SCAN_COLUMNS}`,
    middleware: [requirePermission("qr:ReadQrCode", "read"), codeFirst()] as const,
    request: { params: IdParam, query: ScanExportQuery },
    responses: { 200: scanFile, 400: notFoundOrInvalid("A query parameter is invalid (one violation each)"), ...commonErrors },
  }),
  (c) => {
    const query = c.req.valid("query");
    const code = c.get("code");
    const range = rangeOf(query.from?.ms ?? null, query.to?.ms ?? null);
    const body = exportVisits(c.env, { codeId: code.id, orgId: code.orgId }, "scan", { range, includeBots: query.bots === "include" }, query.format);
    return c.body(body, 200, downloadHeaders(query.format, exportFilename(`scans-${code.id}`, query.format, isoNow())));
  },
);

/** `GET /scans/export` under /analytics: every scan of the organization's codes in a period. */
export const organizationScansExportRouter = newRouter();

organizationScansExportRouter.openapi(
  createRoute({
    method: "get",
    path: "/scans/export",
    operationId: "exportOrganizationScans",
    tags: ["QR codes"],
    security: [{ bearerKey: [] }],
    summary: "Export the organization's scans as CSV or JSON Lines",
    description: `Every raw scan of every code the organization has in [from, to), streamed (a deleted code's scans no longer count). ${SCAN_COLUMNS}`,
    middleware: [requirePermission("qr:ReadQrCode", "read")] as const,
    request: { query: ScanExportQuery },
    responses: { 200: scanFile, 400: problemResponse("A query parameter is invalid (one violation each)"), ...commonErrors },
  }),
  (c) => {
    const query = c.req.valid("query");
    const range = rangeOf(query.from?.ms ?? null, query.to?.ms ?? null);
    const body = exportVisits(c.env, { orgId: c.get("apiKey").orgId }, "scan", { range, includeBots: query.bots === "include" }, query.format);
    return c.body(body, 200, downloadHeaders(query.format, exportFilename("scans", query.format, isoNow())));
  },
);
