import { createRoute, z } from "@hono/zod-openapi";
import { TagFilterParam } from "../../codes/tags";
import { EXPORT_MEDIA_TYPES, exportCodes, exportFilename, type ExportFormat } from "../../codes/exports";
import { QR_CODE_TYPES } from "../../codes/types";
import { isoNow } from "../../lib/time";
import { requirePermission } from "../bearer";
import { publicBaseUrl } from "../origin";
import { problemResponse } from "../problem";
import { newRouter } from "../router";
import { withViolationMessages } from "../validation-messages";
import { commonErrors } from "./openapi";
import { queryParam } from "./query";

/**
 * `GET /qr_codes/export`: every code the listing's filters select, as one streamed CSV or JSON
 * Lines file (codes/exports.ts). A sub-path of the collection it exports, mounted before `/{id}`.
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

const file = (description: string) => ({
  description,
  headers: { "Content-Disposition": { description: 'attachment; filename="codes-YYYY-MM-DD.csv" (or .jsonl)', schema: { type: "string" as const } } },
  content: {
    "text/csv": { schema: { type: "string" as const, description: "A header row, then one record per code; cells that start with = + - @ are prefixed with '" } },
    "application/jsonl": { schema: { type: "string" as const, description: "One QrCode representation per line" } },
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
      "CSV columns: id, name, type, tags (joined with |), short_token, dynamic_url, content (JSON), scans, views, created_at, updated_at.",
    middleware: [requirePermission("qr:ReadQrCode", "read")] as const,
    request: { query: ExportQuery },
    responses: { 200: file("The export, streamed"), 400: problemResponse("A query parameter is invalid (one violation each)"), ...commonErrors },
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
