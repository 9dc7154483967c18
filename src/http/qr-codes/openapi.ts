import { OpenAPIHono, z, type RouteConfig } from "@hono/zod-openapi";
import { QR_CODE_TYPES } from "../../codes/types";
import { DECODER_FAMILIES } from "../../qr";
import { RETRY_AFTER_SECONDS } from "../../lib/unavailable";
import { problemResponse } from "../problem";
import { AppearanceOutputSchema, LimitsOutputSchema, RoutingOutputSchema, UtmOutputSchema } from "./input";

/**
 * What the QR code resource's document says beyond its request schemas (those are in input.ts and
 * beside each route's query): the representation, the collections, headers and error responses.
 */

const Timestamp = z.string().openapi({ example: "2026-11-21T08:31:00+00:00" });
// The representation types `method` as a string (codes/representation.ts); the document names the two it takes.
const Link = z.object({ rel: z.string(), href: z.string(), method: z.enum(["GET", "POST"]) });

const DestinationHealthSchema = z
  .object({
    status: z.enum(["unknown", "ok", "broken"]).describe("broken: at least one destination is; ok: every one answered; unknown: some not checked yet"),
    checkedAt: z.string().nullable(),
    brokenSince: z.string().nullable().describe("Since when the first broken destination has been broken"),
    lastAnswer: z
      .object({ url: z.string(), status: z.number().int().nullable().describe("The HTTP status; null when none came"), error: z.string().nullable(), at: z.string() })
      .nullable()
      .describe("The latest check's answer: of a broken destination when there is one"),
    brokenUrls: z.array(z.string()),
  })
  .openapi("DestinationHealth");

export const QrCodeSchema = z
  .object({
    id: z.string().openapi({ example: "0193a1b2c3d4e5f6a7b8c9d0" }),
    name: z.string(),
    type: z.enum(QR_CODE_TYPES),
    content: z.record(z.string(), z.unknown()).openapi({ description: "The type's content as it was saved (see the QrCodeInput variants); an audio code's also carries publicAudioFilePath" }),
    metadata: z.object({ shortToken: z.string().nullable().openapi({ example: "frnKYa3c" }), createdAt: Timestamp, updatedAt: Timestamp }),
    appearance: AppearanceOutputSchema,
    attributes: z.object({
      dynamicUrl: z.string().nullable(),
      hostedPageUrl: z.string().optional(),
      shareUrl: z
        .string()
        .optional()
        .describe("Beyond the contract, dynamic codes only: /s/{shortToken}, the link for people to paste (chats, mail, profiles). It goes where a scan would, and its visits count as clicks, apart from the image's scans"),
      passwordProtected: z.boolean().optional().describe("Beyond the contract, dynamic codes only: whether a scan must first give the code's password (set with `password`, which is never shown)"),
      scannability: z
        .object({
          guarantee: z.enum(["universal", "relaxed"]),
          mayFail: z.array(z.enum(DECODER_FAMILIES)).describe("Decoder families measured to fail on the shapes asked for; empty under universal"),
        })
        .describe("Beyond the contract: universal designs are drawn so that every decoder family we test (ZXing, jsQR, ZBar, quirc) reads them; relaxed ones exactly as asked (appearance.scannability)"),
    }),
    links: z.array(Link),
    analytics: z.object({
      scans: z.number().int(),
      views: z.number().int().optional(),
      clicks: z.number().int().optional().describe("Beyond the contract, dynamic codes only: human visits of attributes.shareUrl"),
    }),
    limits: LimitsOutputSchema,
    routing: RoutingOutputSchema,
    utm: UtmOutputSchema,
    health: DestinationHealthSchema.nullable()
      .optional()
      .describe(
        "Beyond the contract, dynamic codes only: what the cron's checks of the code's http(s) destinations (its url, its rules' and variants' urls) last found; null before the first check. A destination is broken after two failed checks in a row (404, 410, 451, 5xx or no answer); with limits.fallbackWhenBroken, scans whose destination is broken go to limits.fallbackUrl until a check finds it working again",
      ),
    tags: z.array(z.string()).describe("Beyond the contract: the code's tags, normalised and sorted ([] when none); ?tag= on the listing filters by them"),
  })
  .openapi("QrCode");

/** The paging links of every JSON-LD collection of this family. */
export const PartialCollectionViewSchema = z
  .object({
    "@id": z.string(),
    "@type": z.literal("PartialCollectionView"),
    first: z.string(),
    last: z.string(),
    previous: z.string().optional(),
    next: z.string().optional(),
  })
  .openapi("PartialCollectionView");

/**
 * The paging links of page `page` of a collection of `total` items, `size` to a page: first and
 * last always (an empty collection has one page), previous and next where they exist; `link`
 * spells a page's URL with the collection's own query.
 */
export function collectionView(page: number, total: number, size: number, link: (page: number) => string): z.infer<typeof PartialCollectionViewSchema> {
  const last = Math.max(1, Math.ceil(total / size));
  return {
    "@id": link(page),
    "@type": "PartialCollectionView",
    first: link(1),
    last: link(last),
    ...(page > 1 ? { previous: link(Math.min(page - 1, last)) } : {}),
    ...(page < last ? { next: link(page + 1) } : {}),
  };
}

export const QrCodeCollectionSchema = z
  .object({
    "@context": z.literal("/contexts/QrCode"),
    "@id": z.literal("/qr_codes"),
    "@type": z.literal("Collection"),
    totalItems: z.number().int(),
    member: z.array(QrCodeSchema.extend({ "@id": z.string(), "@type": z.literal("QrCode") })),
    view: PartialCollectionViewSchema,
  })
  .openapi("QrCodeCollection");

export const SchemaOrgSchema = z
  .object({ id: z.string(), qrCode: z.record(z.string(), z.unknown()), content: z.record(z.string(), z.unknown()) })
  .openapi("QrCodeSchemaOrg");

export const IdParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, example: "0193a1b2c3d4e5f6a7b8c9d0" }) });

// Headers and responses.

const header = (description: string, type: "string" | "integer" = "string") => ({ description, schema: { type } });

export const HEADERS = {
  etag: header('The version of the code\'s editable state ("v3"); send it back in If-Match'),
  location: header("The new code's path, `/qr_codes/{id}`"),
  idempotentReplayed: header("`true` when this is the stored answer to an earlier request with the same Idempotency-Key"),
  retryAfter: header("Seconds to wait before retrying", "integer"),
  wwwAuthenticate: header('The challenge: `Bearer realm="api"`'),
  acceptPatch: header("`application/merge-patch+json`: the patch format this resource takes"),
};

const ifMatch = {
  name: "If-Match",
  in: "header" as const,
  required: false,
  description: "The ETag of the version the change is based on (or `*`); another version is a 412 instead of a silent overwrite",
  schema: { type: "string" as const, example: '"v1"' },
};
export const IF_MATCH = [ifMatch];

export const IF_NONE_MATCH = {
  name: "If-None-Match",
  in: "header" as const,
  required: false,
  description: "The ETag of an image already held: the same image is a 304 without a body",
  schema: { type: "string" as const },
};

export const IDEMPOTENCY_KEY = {
  name: "Idempotency-Key",
  in: "header" as const,
  required: false,
  description: "1 to 255 visible ASCII characters, one per code you mean to create: a retried request answers with the first result instead of creating a second code (kept 24 hours)",
  schema: { type: "string" as const, maxLength: 255 },
};

/** The answers every operation of the family can give, beside its own. */
export const commonErrors = {
  401: problemResponse("Missing, unknown, revoked or expired bearer key", { "WWW-Authenticate": HEADERS.wwwAuthenticate }),
  403: problemResponse("The key lacks the role or the action this call needs"),
  503: problemResponse(`A dependency could not answer; retry after Retry-After seconds (${RETRY_AFTER_SECONDS})`, { "Retry-After": HEADERS.retryAfter }),
};

/** And those of an operation that takes a JSON body. */
export const bodyErrors = {
  413: problemResponse("Request body larger than 64 KiB"),
  415: problemResponse("A body that is not JSON"),
};

export const notFoundOrInvalid = (what: string) => problemResponse(`${what}, or the QR code was not found (the same answer for another organization's id)`);

/**
 * The query object's parameters as the document lists them, generated by zod-to-openapi as a
 * route's would be. A route lists them itself when its query parameters come before its path
 * parameters (as every operation of this family has always listed them): a route's `request`
 * would put the path first.
 */
export function queryParameters(query: z.ZodObject | z.ZodPipe): unknown[] {
  const scratch = new OpenAPIHono();
  scratch.openAPIRegistry.registerPath({ method: "get", path: "/", request: { query }, responses: {} });
  return (scratch.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "", version: "" } }).paths?.["/"]?.get?.parameters ?? []) as unknown[];
}

/**
 * A route with a query and path parameters as the document lists it: the query's parameters
 * first, then `extra` ones, then the path's. Register the route itself with `hide: true`.
 */
export function documentedQueryFirst(route: RouteConfig, extra: unknown[] = []): RouteConfig {
  const { middleware: _middleware, request, ...documented } = route;
  const query = request?.query as z.ZodObject | z.ZodPipe | undefined;
  return { ...documented, request: { params: request?.params }, parameters: [...(query ? queryParameters(query) : []), ...extra] as RouteConfig["parameters"] };
}
