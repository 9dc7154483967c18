import { z } from "@hono/zod-openapi";
import { CONTENT_SCHEMAS } from "../../codes/content";
import { LimitsSchema } from "../../codes/limits";
import { QR_CODE_TYPES } from "../../codes/types";
import { AppearanceSchema } from "../../qr/appearance";

// Schemas for the OpenAPI document of the QR code resource. Requests are validated by
// parseCodeInput (every violation at once, in the contract's problem+json shape); these describe them.

const Timestamp = z.string().openapi({ example: "2026-11-21T08:31:00+00:00" });
const Link = z.object({ rel: z.string(), href: z.string(), method: z.enum(["GET", "POST"]) });

const Content = z
  .union(Object.values(CONTENT_SCHEMAS) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]])
  .openapi({ description: "Depends on `type`: url {url}; text {text, name, image, hostedPage…}; email {address, subject, message}; call {phoneNumber}; sms {phoneNumber, message}; geo {latitude, longitude, query}; wifi {ssid, password, encryption, hidden}; vcard {firstName, lastName, organisation, …}; file {fileName}; links {links[{url, name, image}]…}; audio {fileName…}; event {name, startDate, endDate…}" });

export const QrCodeInputSchema = z
  .object({
    name: z.string().min(1).max(255).openapi({ example: "Launch landing page" }),
    type: z.enum(QR_CODE_TYPES).default("url"),
    content: Content,
    appearance: AppearanceSchema.optional().openapi({ description: "Every field optional; omitted fields take their defaults (PUT resets them)" }),
    limits: LimitsSchema.nullable()
      .optional()
      .openapi({ description: "Dynamic codes only. Outside [validFrom, validUntil) or after maxScans human scans, /r/{token} sends people to fallbackUrl (or shows a 'no longer active' page)" }),
  })
  .openapi("QrCodeInput", { example: { name: "Launch landing page", type: "url", content: { url: "https://example.com" }, appearance: { dotsOptionsType: "rounded" } } as never });

export const QrCodeSchema = z
  .object({
    id: z.string().openapi({ example: "0193a1b2c3d4e5f6a7b8c9d0" }),
    name: z.string(),
    type: z.enum(QR_CODE_TYPES),
    content: z.record(z.string(), z.unknown()),
    metadata: z.object({ shortToken: z.string().nullable().openapi({ example: "frnKYa3c" }), createdAt: Timestamp, updatedAt: Timestamp }),
    appearance: AppearanceSchema,
    attributes: z.object({ dynamicUrl: z.string().nullable(), hostedPageUrl: z.string().optional() }),
    links: z.array(Link),
    analytics: z.object({ scans: z.number().int(), views: z.number().int().optional() }),
    limits: LimitsSchema.openapi({ description: "Beyond the contract: validity window, exact scan budget and fallback URL (dynamic codes)" }),
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

export const ProblemSchema = z
  .object({
    "@context": z.literal("/contexts/Error"),
    "@type": z.literal("Error"),
    title: z.string().openapi({ example: "An error occurred" }),
    detail: z.string().openapi({ example: "QR code not found" }),
    status: z.number().int().openapi({ example: 400 }),
    type: z.string().openapi({ example: "/errors/400" }),
    violations: z.array(z.object({ propertyPath: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

export const SchemaOrgSchema = z
  .object({ id: z.string(), qrCode: z.record(z.string(), z.unknown()), content: z.record(z.string(), z.unknown()) })
  .openapi("QrCodeSchemaOrg");

export const DownloadRequestSchema = z
  .object({
    format: z.enum(["png", "svg"]).default("png").openapi({ description: "Defaults to png, or to the type the Accept header prefers" }),
    size: z.number().int().min(10).max(5000).default(300),
    margin: z.number().int().min(0).max(30).default(10).openapi({ description: "Pixels; overrides appearance.margin" }),
  })
  .openapi("QrCodeDownloadRequest");

const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: ProblemSchema } } });

export const errorResponses = {
  400: problem("Validation failed (one violation per field), or the QR code was not found (also for another organization's id)"),
  401: problem("Missing, unknown, revoked or expired bearer key"),
  403: problem("The key lacks the role or action this call needs"),
  413: problem("Request body too large"),
};

export const IdParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, example: "0193a1b2c3d4e5f6a7b8c9d0" }) });
