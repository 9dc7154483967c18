import { createRoute } from "@hono/zod-openapi";
import { representCode, representMember } from "../../codes/representation";
import { schemaOrgOf } from "../../codes/schema-org";
import { findOrganization } from "../../db/accounts";
import { listCodes } from "../../db/qr-codes";
import { bearerKeyAuth, requirePermission } from "../bearer";
import { limitBody } from "../errors";
import { publicBaseUrl } from "../origin";
import { problemEnvelope, problemResponse } from "../problem";
import { newRouter } from "../router";
import { analyticsRouter } from "./analytics";
import { bulkRouter } from "./bulk";
import { downloadRouter } from "./download";
import { exportRouter } from "./export";
import { importRouter } from "./import";
import { CODE_INPUT_VARIANTS, CodeBody, jsonBody, MERGE_PATCH, patchedInput, QrCodePatchSchema } from "./input";
import {
  bodyErrors,
  collectionView,
  commonErrors,
  HEADERS,
  IDEMPOTENCY_KEY,
  IdParam,
  IF_MATCH,
  notFoundOrInvalid,
  QrCodeCollectionSchema,
  QrCodeSchema,
  SchemaOrgSchema,
} from "./openapi";
import { ListQuery, PAGE_SIZE, type ListParams } from "./query";
import { tagsRouter } from "./tags";
import { utmDefaultsRouter } from "./utm-defaults";
import { codeFirst, createCode, deleteCode, etagOf, idempotencyKeyFirst, replaceCode, requireCode } from "./write";

/** The QR code resource: `/qr_codes` CRUD with the contract's JSON-LD collection and problem+json errors. */

const MAX_JSON_BYTES = 64 * 1024;

const read = requirePermission("qr:ReadQrCode", "read");
const write = requirePermission("qr:WriteQrCode", "write");

/** `/qr_codes?…&page=N` with the request's filters kept, as API Platform's view links are. */
function pageLink(params: ListParams, page: number): string {
  const query = new URLSearchParams();
  if (params.type) query.set("type", params.type);
  if (params.search) query.set("search", params.search);
  if (params["order[createdAt]"] !== "desc") query.set("order[createdAt]", params["order[createdAt]"]);
  for (const tag of params.tag) query.append("tag", tag);
  query.set("page", String(page));
  return `/qr_codes?${query.toString()}`;
}

/** Headers of a JSON-LD answer (c.json's own Content-Type gives way to these). */
const LD_JSON = { "Content-Type": "application/ld+json; charset=utf-8" };

export const qrCodesRouter = newRouter();

// Mounted at /qr_codes (app.ts): everything under it answers problem+json and needs a bearer key.
qrCodesRouter.use("*", async (c, next) => {
  c.set("envelope", problemEnvelope);
  await next();
});
const limitJsonBody = limitBody(MAX_JSON_BYTES);
/** Bulk calls and CSV imports carry up to 1,000 codes: they set their own cap (bulk.ts). */
const BULK_PATHS = new Set(["/qr_codes/bulk", "/qr_codes/import"]);
qrCodesRouter.use("*", bearerKeyAuth(), (c, next) => (BULK_PATHS.has(c.req.path) ? next() : limitJsonBody(c, next)));

// The body's variants are referenced by name from QrCodeInput's oneOf, so they are registered here.
for (const { name, schema } of CODE_INPUT_VARIANTS) qrCodesRouter.openAPIRegistry.register(name, schema);

// POST /qr_codes/bulk and /qr_codes/import (fixed paths: no other POST route shares them).
qrCodesRouter.route("/", bulkRouter);
qrCodesRouter.route("/", importRouter);

const security = [{ bearerKey: [] }];
const tags = ["QR codes"];
const ld = <S extends typeof QrCodeSchema | typeof QrCodeCollectionSchema | typeof SchemaOrgSchema>(description: string, schema: S, headers?: Record<string, { description: string; schema: { type: "string" | "integer" } }>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { "application/ld+json": { schema } },
});
const codeBody = { required: true, content: { "application/json": { schema: CodeBody } } };

// Fixed paths beside /{id}: mounted first, so GET /qr_codes/tags or /export is never read as a code id.
qrCodesRouter.route("/", tagsRouter);
qrCodesRouter.route("/", utmDefaultsRouter);
qrCodesRouter.route("/", exportRouter);

qrCodesRouter.openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "listQrCodes",
    tags,
    security,
    summary: "List the organization's QR codes",
    description: `JSON-LD collection, ${PAGE_SIZE} per page, newest first, with first/last/previous/next links in \`view\`.`,
    middleware: [read] as const,
    request: { query: ListQuery },
    responses: { 200: ld("A page of QR codes", QrCodeCollectionSchema), 400: problemResponse("A query parameter is invalid (one violation each)"), ...commonErrors },
  }),
  async (c) => {
    const params = c.req.valid("query");
    const search = params.search || undefined;
    const { items, total } = await listCodes(c.env.DB, c.get("apiKey").orgId, {
      type: params.type,
      search,
      tags: params.tag,
      order: params["order[createdAt]"],
      limit: PAGE_SIZE,
      offset: (params.page - 1) * PAGE_SIZE,
    });
    const base = publicBaseUrl(c);
    return c.json(
      {
        "@context": "/contexts/QrCode" as const,
        "@id": "/qr_codes" as const,
        "@type": "Collection" as const,
        totalItems: total,
        member: items.map((code) => representMember(code, base)),
        view: collectionView(params.page, total, PAGE_SIZE, (page) => pageLink({ ...params, search }, page)),
      },
      200,
      LD_JSON,
    );
  },
);

qrCodesRouter.openapi(
  createRoute({
    method: "post",
    path: "/",
    operationId: "createQrCode",
    tags,
    security,
    summary: "Create a QR code",
    description:
      "Fields left out take their defaults; unknown fields are refused inside `content` and `appearance` (naming the nearest known field) and ignored elsewhere. Send `Idempotency-Key` to make a retried request return the first result instead of creating a second code (kept 24 hours).",
    middleware: [write, idempotencyKeyFirst, jsonBody()] as const,
    parameters: [IDEMPOTENCY_KEY],
    request: { body: codeBody },
    responses: {
      201: ld("The new QR code: Location names it, ETag is its version", QrCodeSchema, {
        Location: HEADERS.location,
        ETag: HEADERS.etag,
        "Idempotent-Replayed": HEADERS.idempotentReplayed,
      }),
      400: problemResponse("The body is invalid (one violation per field), or so is the Idempotency-Key"),
      422: problemResponse("This Idempotency-Key was already used with a different body"),
      ...bodyErrors,
      ...commonErrors,
    },
  }),
  async (c) => {
    const { code, replayed } = await createCode(c, c.req.valid("json"), c.req.header("Idempotency-Key"));
    return c.json(code, 201, {
      ...LD_JSON,
      Location: `/qr_codes/${code.id}`,
      ETag: etagOf({ version: 1 }),
      ...(replayed ? { "Idempotent-Replayed": "true" } : {}),
    });
  },
);

qrCodesRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}",
    operationId: "getQrCode",
    tags,
    security,
    summary: "Retrieve a QR code",
    middleware: [read] as const,
    request: { params: IdParam },
    responses: { 200: ld("The QR code; ETag names its editable version", QrCodeSchema, { ETag: HEADERS.etag }), 400: notFoundOrInvalid("The id is malformed"), ...commonErrors },
  }),
  async (c) => {
    const code = await requireCode(c, c.req.valid("param").id);
    return c.json(representCode(code, publicBaseUrl(c)), 200, { ...LD_JSON, ETag: etagOf(code) });
  },
);

const writeConflicts = {
  409: problemResponse("The code is the deep link of a message QR code: change it with UpdatePhoneMessageQrdl"),
  412: problemResponse("If-Match names another version than the current one"),
};

qrCodesRouter.openapi(
  createRoute({
    method: "put",
    path: "/{id}",
    operationId: "replaceQrCode",
    tags,
    security,
    summary: "Replace a QR code",
    description:
      "Fields left out return to their defaults (to change a few fields, PATCH them); the short token never changes. Send `If-Match` with the ETag from GET to refuse (412) a change made meanwhile by someone else.",
    middleware: [write, codeFirst(), jsonBody()] as const,
    parameters: IF_MATCH,
    request: { params: IdParam, body: codeBody },
    responses: {
      200: ld("The updated QR code; ETag is its new version", QrCodeSchema, { ETag: HEADERS.etag }),
      400: notFoundOrInvalid("The body is invalid (one violation per field)"),
      ...writeConflicts,
      ...bodyErrors,
      ...commonErrors,
    },
  }),
  async (c) => {
    const code = await replaceCode(c, c.req.valid("param").id, c.req.valid("json"));
    return c.json(representCode(code, publicBaseUrl(c)), 200, { ...LD_JSON, ETag: etagOf(code) });
  },
);

qrCodesRouter.openapi(
  createRoute({
    method: "patch",
    path: "/{id}",
    operationId: "patchQrCode",
    tags,
    security,
    summary: "Change some fields of a QR code",
    description:
      "A JSON merge patch (RFC 7396, `Content-Type: application/merge-patch+json`) applied to the code's editable state (name, type, content, appearance, limits): what the patch leaves out stays as it is, `null` removes a field (one with a default gets it back). The result is validated and saved as a PUT would be, so renaming a code keeps its design. `If-Match` is honoured.",
    middleware: [write, codeFirst(), jsonBody({ mergePatch: true })] as const,
    parameters: IF_MATCH,
    request: { params: IdParam, body: { required: true, content: { [MERGE_PATCH]: { schema: { $ref: "#/components/schemas/QrCodePatch" } } } } },
    responses: {
      200: ld("The patched QR code; ETag is its new version", QrCodeSchema, { ETag: HEADERS.etag }),
      400: notFoundOrInvalid("The patched code is invalid (one violation per field, as for a PUT)"),
      ...writeConflicts,
      413: bodyErrors[413],
      415: problemResponse("Not application/merge-patch+json; Accept-Patch names the type", { "Accept-Patch": HEADERS.acceptPatch }),
      ...commonErrors,
    },
  }),
  async (c) => {
    // The body is a merge patch, not a code: it is validated once applied (patchedInput), each
    // time it is applied (replaceCode applies it again to a newer version after a lost race).
    const patch: unknown = await c.req.json();
    const code = await replaceCode(c, c.req.valid("param").id, (current) => patchedInput(current, patch));
    return c.json(representCode(code, publicBaseUrl(c)), 200, { ...LD_JSON, ETag: etagOf(code) });
  },
);
// QrCodePatch is referenced by name (its body is read as a patch, not validated as a code).
qrCodesRouter.openAPIRegistry.register("QrCodePatch", QrCodePatchSchema);

qrCodesRouter.openapi(
  createRoute({
    method: "delete",
    path: "/{id}",
    operationId: "deleteQrCode",
    tags,
    security,
    summary: "Delete a QR code",
    description: "Its short link stops resolving and its token is never issued again. `If-Match` is honoured.",
    middleware: [write] as const,
    parameters: IF_MATCH,
    request: { params: IdParam },
    responses: {
      204: { description: "Deleted" },
      400: notFoundOrInvalid("The id is malformed"),
      412: writeConflicts[412],
      ...commonErrors,
    },
  }),
  async (c) => {
    await deleteCode(c, c.req.valid("param").id);
    return c.body(null, 204);
  },
);

qrCodesRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}/schemaorg",
    operationId: "getQrCodeSchemaOrg",
    tags,
    security,
    summary: "The QR code as schema.org structured data",
    description: "A BarCode for the code; an Event (event) or Person (vcard) for the content, the raw content for other types.",
    middleware: [read] as const,
    request: { params: IdParam },
    responses: { 200: ld("schema.org JSON-LD", SchemaOrgSchema), 400: notFoundOrInvalid("The id is malformed"), ...commonErrors },
  }),
  async (c) => {
    const code = await requireCode(c, c.req.valid("param").id);
    const organization = await findOrganization(c.env.DB, code.orgId);
    return c.json(schemaOrgOf(code, { base: publicBaseUrl(c), organizationName: organization?.name ?? "" }), 200, LD_JSON);
  },
);

qrCodesRouter.route("/", downloadRouter);
qrCodesRouter.route("/", analyticsRouter);
