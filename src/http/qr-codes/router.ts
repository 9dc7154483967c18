import type { Context } from "hono";
import { representCode, representMember } from "../../codes/representation";
import { QR_CODE_TYPES, type QrCodeType } from "../../codes/types";
import { schemaOrgOf } from "../../codes/schema-org";
import { findOrganization } from "../../db/accounts";
import { listCodes } from "../../db/qr-codes";
import type { AppEnv } from "../../env";
import { bearerKeyAuth, requirePermission } from "../bearer";
import { limitBody, ValidationError, type FieldIssue } from "../errors";
import { publicBaseUrl } from "../origin";
import { problemEnvelope } from "../problem";
import { newRouter } from "../router";
import { parseCodeInput, readJsonBody } from "./input";
import { analyticsRouter } from "./analytics";
import { downloadRouter } from "./download";
import { errorResponses, IdParam, QrCodeCollectionSchema, QrCodeInputSchema, QrCodeSchema, SchemaOrgSchema } from "./openapi";
import { createCode, deleteCode, etagOf, replaceCode, requireCode } from "./write";

/** The QR code resource: `/qr_codes` CRUD with the contract's JSON-LD collection and problem+json errors. */

export const PAGE_SIZE = 30;
const MAX_JSON_BYTES = 64 * 1024;
const MAX_PAGE = 1_000_000;

const read = requirePermission("qr:ReadQrCode", "read");
const write = requirePermission("qr:WriteQrCode", "write");

interface ListParams {
  page: number;
  type?: QrCodeType;
  search?: string;
  order: "asc" | "desc";
}

function parseListQuery(c: Context<AppEnv>): ListParams {
  const issues: FieldIssue[] = [];
  const pageText = c.req.query("page");
  const page = pageText === undefined ? 1 : /^[0-9]{1,7}$/.test(pageText) ? Number(pageText) : Number.NaN;
  if (!(page >= 1 && page <= MAX_PAGE)) issues.push({ field: "page", message: `must be a whole number from 1 to ${MAX_PAGE}` });
  const type = c.req.query("type");
  if (type !== undefined && !QR_CODE_TYPES.includes(type as QrCodeType)) issues.push({ field: "type", message: `must be one of: ${QR_CODE_TYPES.join(", ")}` });
  const search = c.req.query("search");
  if (search !== undefined && search.length > 255) issues.push({ field: "search", message: "must be at most 255 characters long" });
  const order = c.req.query("order[createdAt]") ?? "desc";
  if (order !== "asc" && order !== "desc") issues.push({ field: "order[createdAt]", message: "must be one of: asc, desc" });
  if (issues.length > 0) throw new ValidationError(issues);
  return { page, type: type as QrCodeType | undefined, search: search || undefined, order: order as "asc" | "desc" };
}

/** `/qr_codes?…&page=N` with the request's filters kept, as API Platform's view links are. */
function pageLink(params: ListParams, page: number): string {
  const query = new URLSearchParams();
  if (params.type) query.set("type", params.type);
  if (params.search) query.set("search", params.search);
  if (params.order !== "desc") query.set("order[createdAt]", params.order);
  query.set("page", String(page));
  return `/qr_codes?${query.toString()}`;
}

const json = (c: Context<AppEnv>, body: unknown, status: 200 | 201, headers: Record<string, string> = {}) =>
  c.body(JSON.stringify(body), status, { "Content-Type": "application/ld+json; charset=utf-8", ...headers });

export const qrCodesRouter = newRouter();

qrCodesRouter.use("/qr_codes", async (c, next) => {
  c.set("envelope", problemEnvelope);
  await next();
});
qrCodesRouter.use("/qr_codes/*", async (c, next) => {
  c.set("envelope", problemEnvelope);
  await next();
});
qrCodesRouter.use("/qr_codes", bearerKeyAuth(), limitBody(MAX_JSON_BYTES));
qrCodesRouter.use("/qr_codes/*", bearerKeyAuth(), limitBody(MAX_JSON_BYTES));

const security = [{ bearerKey: [] }];
qrCodesRouter.openAPIRegistry.registerComponent("securitySchemes", "bearerKey", {
  type: "http",
  scheme: "bearer",
  description: "An organization API key (zbk_…) issued through the admin API; qr:ReadQrCode to read, qr:WriteQrCode and the read-write role to write",
});
const tags = ["QR codes"];
const ld = (description: string, schema: typeof QrCodeSchema | typeof QrCodeCollectionSchema) => ({ description, content: { "application/ld+json": { schema } } });

qrCodesRouter.openAPIRegistry.registerPath({
  method: "get",
  path: "/qr_codes",
  tags,
  security,
  summary: "List the organization's QR codes",
  description: `JSON-LD collection, ${PAGE_SIZE} per page, newest first, with first/last/previous/next links in \`view\`.`,
  parameters: [
    { name: "page", in: "query", schema: { type: "integer", minimum: 1, default: 1 } },
    { name: "type", in: "query", schema: { type: "string", enum: [...QR_CODE_TYPES] } },
    { name: "search", in: "query", description: "Part of the name (case-insensitive for ASCII)", schema: { type: "string", maxLength: 255 } },
    { name: "order[createdAt]", in: "query", schema: { type: "string", enum: ["asc", "desc"], default: "desc" } },
  ],
  responses: { 200: ld("A page of QR codes", QrCodeCollectionSchema), ...errorResponses },
});
qrCodesRouter.get("/qr_codes", read, async (c) => {
  const params = parseListQuery(c);
  const base = publicBaseUrl(c);
  const { items, total } = await listCodes(c.env.DB, c.get("apiKey").orgId, {
    type: params.type,
    search: params.search,
    order: params.order,
    limit: PAGE_SIZE,
    offset: (params.page - 1) * PAGE_SIZE,
  });
  const last = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return json(c, {
    "@context": "/contexts/QrCode",
    "@id": "/qr_codes",
    "@type": "Collection",
    totalItems: total,
    member: items.map((code) => representMember(code, base)),
    view: {
      "@id": pageLink(params, params.page),
      "@type": "PartialCollectionView",
      first: pageLink(params, 1),
      last: pageLink(params, last),
      ...(params.page > 1 ? { previous: pageLink(params, Math.min(params.page - 1, last)) } : {}),
      ...(params.page < last ? { next: pageLink(params, params.page + 1) } : {}),
    },
  }, 200);
});

qrCodesRouter.openAPIRegistry.registerPath({
  method: "post",
  path: "/qr_codes",
  tags,
  security,
  summary: "Create a QR code",
  description: "Unknown keys are ignored. Send `Idempotency-Key` to make a retried request return the first result instead of creating a second code (kept 24 hours).",
  parameters: [{ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", maxLength: 255 } }],
  request: { body: { required: true, content: { "application/json": { schema: QrCodeInputSchema } } } },
  responses: { 201: ld("The new QR code (Location names it)", QrCodeSchema), 422: errorResponses[400], ...errorResponses },
});
qrCodesRouter.post("/qr_codes", write, async (c) => {
  const idempotencyKey = c.req.header("Idempotency-Key");
  if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey))
    throw new ValidationError([{ field: "Idempotency-Key", message: "must be 1 to 255 visible ASCII characters" }]);
  const input = parseCodeInput(await readJsonBody(c));
  const { code, replayed } = await createCode(c, input, idempotencyKey);
  return json(c, code, 201, {
    Location: `/qr_codes/${code.id}`,
    ETag: etagOf({ version: 1 }),
    ...(replayed ? { "Idempotent-Replayed": "true" } : {}),
  });
});

qrCodesRouter.openAPIRegistry.registerPath({
  method: "get",
  path: "/qr_codes/{id}",
  tags,
  security,
  summary: "Retrieve a QR code",
  request: { params: IdParam },
  responses: { 200: ld("The QR code; ETag names its editable version", QrCodeSchema), ...errorResponses },
});
qrCodesRouter.get("/qr_codes/:id", read, async (c) => {
  const code = await requireCode(c, c.req.param("id"));
  return json(c, representCode(code, publicBaseUrl(c)), 200, { ETag: etagOf(code) });
});

qrCodesRouter.openAPIRegistry.registerPath({
  method: "put",
  path: "/qr_codes/{id}",
  tags,
  security,
  summary: "Replace a QR code",
  description: "Fields left out return to their defaults; the short token never changes. Send `If-Match` with the ETag from GET to refuse (412) a change made meanwhile by someone else.",
  parameters: [{ name: "If-Match", in: "header", required: false, schema: { type: "string" } }],
  request: { params: IdParam, body: { required: true, content: { "application/json": { schema: QrCodeInputSchema } } } },
  responses: {
    200: ld("The updated QR code", QrCodeSchema),
    409: { ...errorResponses[400], description: "The code is the deep link of a message QR code: change it with UpdatePhoneMessageQrdl" },
    412: { ...errorResponses[400], description: "If-Match names an older version" },
    ...errorResponses,
  },
});
qrCodesRouter.put("/qr_codes/:id", write, async (c) => {
  const id = c.req.param("id");
  await requireCode(c, id);
  const input = parseCodeInput(await readJsonBody(c));
  const code = await replaceCode(c, id, input);
  return json(c, representCode(code, publicBaseUrl(c)), 200, { ETag: etagOf(code) });
});

qrCodesRouter.openAPIRegistry.registerPath({
  method: "delete",
  path: "/qr_codes/{id}",
  tags,
  security,
  summary: "Delete a QR code",
  description: "Its short link stops resolving and its token is never issued again. `If-Match` is honoured.",
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" }, 412: errorResponses[400], ...errorResponses },
});
qrCodesRouter.delete("/qr_codes/:id", write, async (c) => {
  await deleteCode(c, c.req.param("id"));
  return c.body(null, 204);
});

qrCodesRouter.openAPIRegistry.registerPath({
  method: "get",
  path: "/qr_codes/{id}/schemaorg",
  tags,
  security,
  summary: "The QR code as schema.org structured data",
  description: "A BarCode for the code; an Event (event) or Person (vcard) for the content, the raw content for other types.",
  request: { params: IdParam },
  responses: { 200: { description: "schema.org JSON-LD", content: { "application/ld+json": { schema: SchemaOrgSchema } } }, ...errorResponses },
});
qrCodesRouter.get("/qr_codes/:id/schemaorg", read, async (c) => {
  const code = await requireCode(c, c.req.param("id"));
  const organization = await findOrganization(c.env.DB, code.orgId);
  return json(c, schemaOrgOf(code, { base: publicBaseUrl(c), organizationName: organization?.name ?? "" }), 200);
});

qrCodesRouter.route("/", downloadRouter);
qrCodesRouter.route("/", analyticsRouter);
