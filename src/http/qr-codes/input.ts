import { z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { CONTENT_SCHEMAS, contentSummary, derivedFieldNames, isDynamicType } from "../../codes/catalog";
import { hasLimits, LimitsSchema } from "../../codes/limits";
import { CODE_PASSWORD_MAX_LENGTH, CODE_PASSWORD_MIN_LENGTH, hasRouting, hasUtm, MAX_RULES, MAX_VARIANTS, RoutingSchema, RuleSchema, UtmSchema, VariantSchema, WindowSchema } from "../../codes/smart-links";
import type { CodeInput, QrCodeRecord } from "../../codes/record";
import { TAGS_DESCRIPTION, TagsSchema } from "../../codes/tags";
import { QR_CODE_TYPES, type QrCodeType } from "../../codes/types";
import type { AppEnv } from "../../env";
import { AppearanceSchema, BUILTIN_ICON_KEYS, isBuiltinIcon } from "../../qr";
import { mediaTypeOf } from "../../lib/media-type";
import { ApiError, issuesFromZod, ValidationError } from "../errors";
import { violationMessage, withViolationMessages } from "../validation-messages";
import { mergePatchShape, requestField, requestShape, responseShape } from "./schema-views";
import { isRecord, refusingUnknownFields } from "./unknown-fields";

/**
 * The create/replace body of the QR code resource (POST, PUT, and what a PATCH produces), one zod
 * object that validates it and, through the views beside it, documents it. Every violation is
 * reported at once: the body's fields, the type's content and the appearance are checked
 * independently, so one bad field never hides another.
 */

const NOT_AN_OBJECT = "The request body must be a JSON object";
/** The violation of a body that is not a JSON object, as every body of this family words it. */
export const notAnObject = (issue: z.core.$ZodRawIssue) => (issue.code === "invalid_type" ? NOT_AN_OBJECT : undefined);

/** The contract's "Required, 1-255 chars"; a name of spaces only is empty too. */
const Name = z
  .string()
  .max(255)
  .refine((name) => name.trim() !== "", "must not be empty")
  .openapi({ minLength: 1, example: "Launch landing page" });

const CodePassword = z.string().min(CODE_PASSWORD_MIN_LENGTH).max(CODE_PASSWORD_MAX_LENGTH);
const PASSWORD =
  "Beyond the contract, dynamic codes only, write-only: a scan shows a page asking for it before anything else; the right one unlocks the code for an hour in that browser. null removes it; left out, the code keeps its current one (attributes.passwordProtected says whether it has one)";

const PREDEFINED_IMAGE = `One of the built-in logos: ${BUILTIN_ICON_KEYS.join(", ")}.`;

/** The design as a request sends it: unknown fields refused, the logo key one of the built-in ones. */
const Appearance = refusingUnknownFields(AppearanceSchema).superRefine((appearance, ctx) => {
  if (appearance.predefinedImage !== null && !isBuiltinIcon(appearance.predefinedImage))
    ctx.addIssue({ code: "custom", path: ["predefinedImage"], message: `must be one of the built-in logos: ${BUILTIN_ICON_KEYS.join(", ")}` });
});

/**
 * Each type's content as a request sends it: unknown fields refused, except the read-only ones the
 * representation adds (audio's publicAudioFilePath), so that a code read can be sent back as is.
 */
const CONTENT_INPUTS = Object.fromEntries(QR_CODE_TYPES.map((type) => [type, refusingUnknownFields(CONTENT_SCHEMAS[type], derivedFieldNames(type))])) as Record<
  QrCodeType,
  z.ZodType<Record<string, unknown>>
>;

const isQrCodeType = (value: unknown): value is QrCodeType => QR_CODE_TYPES.includes(value as QrCodeType);
const variantName = (type: QrCodeType) => `${type[0]!.toUpperCase()}${type.slice(1)}QrCodeInput`;

export const CodeBody = withViolationMessages(
  z
    .object(
      {
        name: Name,
        type: z.enum(QR_CODE_TYPES).default("url"),
        // Its shape depends on `type`: checked below, against the type's own schema.
        content: z.record(z.string(), z.unknown()),
        appearance: Appearance.prefault({}),
        limits: LimitsSchema.nullable().default(null),
        routing: RoutingSchema.nullable().default(null),
        // Left out: the organization's defaults (codes/writes.ts); null: none.
        utm: UtmSchema.nullable().optional(),
        // Write-only: a string sets it, null removes it, left out keeps the current one.
        password: CodePassword.nullable().optional(),
        tags: TagsSchema.default([]),
      },
      { error: notAnObject },
    )
    .superRefine(
      (body, ctx) => {
        // Fields that failed hold what was sent: only a known type's content can be checked.
        const type = isQrCodeType(body.type) ? body.type : undefined;
        if (type && isRecord(body.content)) {
          const content = CONTENT_INPUTS[type].safeParse(body.content, { error: violationMessage });
          if (!content.success) for (const issue of content.error.issues) ctx.addIssue({ code: "custom", path: ["content", ...issue.path], message: issue.message });
        }
        // The order this API has always reported in: the body's own fields, then inside the
        // content, then inside the appearance (which the object checked before this refinement).
        const insideAppearance = (issue: { path?: readonly PropertyKey[] }) => issue.path?.[0] === "appearance" && issue.path.length > 1;
        const moved = ctx.issues.filter(insideAppearance);
        if (moved.length > 0) ctx.issues.splice(0, ctx.issues.length, ...ctx.issues.filter((issue) => !insideAppearance(issue)), ...moved);
        const valid = (field: string) => !ctx.issues.some((issue) => issue.path?.[0] === field);
        // `isSet` reads the field only once it is valid: before that it holds whatever was sent.
        const dynamicOnly = (field: string, isSet: () => boolean) => {
          if (type && valid(field) && isSet() && !isDynamicType(type))
            ctx.addIssue({ code: "custom", path: [field], message: `apply to dynamic codes only; a ${type} code's image holds its payload and never passes through a short link` });
        };
        dynamicOnly("limits", () => hasLimits(body.limits));
        dynamicOnly("routing", () => hasRouting(body.routing));
        dynamicOnly("utm", () => hasUtm(body.utm));
        dynamicOnly("password", () => typeof body.password === "string");
      },
      // Also when a field failed: the content and the limits are reported beside it.
      { when: (payload) => isRecord(payload.value) },
    )
    .transform(
      (body): CodeInput => ({
        name: body.name,
        type: body.type,
        // Validated above; parsed again for its defaults, and without the read-only fields.
        content: CONTENT_SCHEMAS[body.type].parse(body.content) as Record<string, unknown>,
        appearance: body.appearance,
        limits: hasLimits(body.limits) ? body.limits : null,
        routing: hasRouting(body.routing) ? body.routing : null,
        utm: body.utm === undefined ? undefined : hasUtm(body.utm) ? body.utm : null,
        ...(body.password !== undefined ? { password: body.password } : {}),
        tags: body.tags,
      }),
    )
    // Documented as what it accepts: one variant per type, `content` tied to `type`.
    .openapi("QrCodeInput", {
      type: "object",
      oneOf: QR_CODE_TYPES.map((type) => ({ $ref: `#/components/schemas/${variantName(type)}` })),
      discriminator: { propertyName: "type", mapping: Object.fromEntries(QR_CODE_TYPES.map((type) => [type, `#/components/schemas/${variantName(type)}`])) },
      description:
        "A QR code as a create or a replace sends it: one variant per `type`, each with its own `content` (a body without `type` is read as a url code). Fields left out take their defaults (a PUT resets them). Unknown fields are refused inside `content` and `appearance` and ignored elsewhere.",
      example: { name: "Launch landing page", type: "url", content: { url: "https://example.com" }, appearance: { dotsOptionsType: "rounded" } },
    }),
);

/** A create or replace body, or the 400 with every violation. */
function parseCodeBody(body: unknown): CodeInput {
  const parsed = CodeBody.safeParse(body);
  if (!parsed.success) throw new ValidationError(issuesFromZod(parsed.error));
  return parsed.data;
}

// The document's side: request and response views of the same fields (see schema-views.ts).

export const AppearanceInputSchema = z
  .object({
    ...requestShape(AppearanceSchema.shape),
    predefinedImage: requestField(AppearanceSchema.shape.predefinedImage.describe(PREDEFINED_IMAGE)),
  })
  .strict()
  .openapi("AppearanceInput", { description: "The design; every field optional (a PUT resets those left out to their defaults). Unknown fields are refused." });

export const AppearanceOutputSchema = z.object(responseShape(AppearanceSchema.shape)).openapi("Appearance", { description: "The design, every field present" });

const LIMITS =
  "Beyond the contract, dynamic codes only: outside [validFrom, validUntil) or after maxScans human scans, /r/{token} sends people to fallbackUrl (or shows a 'no longer active' page); with fallbackWhenBroken, also while the destination a scan would reach is broken (the code's health)";
export const LimitsInputSchema = z.object(requestShape(LimitsSchema.shape)).openapi("LimitsInput", { description: LIMITS });
export const LimitsOutputSchema = z.object(responseShape(LimitsSchema.shape)).openapi("Limits", { description: `${LIMITS}; every field null when the code has none` });

const ROUTING = `Beyond the contract, dynamic codes only: where /r/{token} sends each scan. The first rule whose conditions all match (device OS, country, preferred language, local time window) picks its url; when none does, the variants pick one by weight, the same for a visitor all day (url null: the code's own target); otherwise the code's own target. At most ${MAX_RULES} rules and ${MAX_VARIANTS} variants; analytics break scans down by rule and by variant (by name, else "rule 2", "B")`;
/** The routing's request and response views, nested object by nested object (see schema-views.ts). */
function routingView(view: typeof requestShape, suffix: string) {
  const window = z.object(view(WindowSchema.shape)).openapi(`RoutingWindow${suffix}`, {
    description: "Local hours (from inclusive, until exclusive; from later than until runs past midnight, and days names the day it starts) on some weekdays (null: every day) in an IANA time zone",
  });
  const rule = z
    .object({ ...view(RuleSchema.shape), window: (suffix ? window.nullable().optional() : window.nullable()).describe("null or left out: any time") })
    .openapi(`RoutingRule${suffix}`, {
      description: "Sends a scan to url when every condition it sets matches (at least one): os (ios, android, other), countries (ISO 3166-1 alpha-2, as Cloudflare reports the request's), languages (BCP 47; de also matches de-AT; the Accept-Language entry with the highest q), window",
    });
  const variant = z.object(view(VariantSchema.shape)).openapi(`RoutingVariant${suffix}`, { description: "A weighted destination; weights add up to 100; url null: the code's own target" });
  return { rules: z.array(rule).max(MAX_RULES), variants: z.array(variant).max(MAX_VARIANTS) };
}
const routingInput = routingView(requestShape, "Input");
const routingOutput = routingView(responseShape, "");
export const RoutingInputSchema = z
  .object({ rules: routingInput.rules.optional().describe("Defaults to `[]`."), variants: routingInput.variants.optional().describe("Defaults to `[]`.") })
  .openapi("RoutingInput", { description: ROUTING });
export const RoutingOutputSchema = z.object(routingOutput).openapi("Routing", { description: `${ROUTING}; both lists empty when the code has none` });
const UTM =
  "Beyond the contract, dynamic codes only: utm_source, utm_medium, utm_campaign, utm_term and utm_content added to the query of every http(s) destination of a scan (the target, a rule's or a variant's url; never a hosted page nor a limit's fallbackUrl). They replace a parameter of the same name in the target and keep every other one";
export const UtmInputSchema = z.object(requestShape(UtmSchema.shape)).openapi("UtmInput", { description: UTM });
export const UtmOutputSchema = z.object(responseShape(UtmSchema.shape)).openapi("Utm", { description: `${UTM}; every field null when the code sets none` });

const readOnlyField = (name: string) =>
  z.unknown().openapi({ readOnly: true, description: `\`${name}\` is set by the server: sent back from a read, it is accepted and ignored` });

/** Each type's body variant, by name: the QrCodeInput oneOf (UrlQrCodeInput, TextQrCodeInput, …). */
export const CODE_INPUT_VARIANTS = QR_CODE_TYPES.map((type) => {
  const name = variantName(type);
  const schema = z
    .object({
      name: Name,
      // Required here although a body without `type` is read as url (the contract's default): an
      // optional property cannot tell the variants apart (OpenAPI 3.1 leaves a missing
      // discriminator undefined), and a generated client then names the type it sends.
      type: type === "url" ? z.literal("url").describe("A body without `type` is a url code too (the contract's default)") : z.literal(type),
      content: z
        .object({
          ...requestShape(CONTENT_SCHEMAS[type].shape),
          ...Object.fromEntries(derivedFieldNames(type).map((field) => [field, readOnlyField(field).optional()])),
        })
        .strict(),
      appearance: AppearanceInputSchema.optional(),
      limits: LimitsInputSchema.nullable().optional().openapi({ description: "Dynamic codes only; null or left out: no limits" }),
      routing: RoutingInputSchema.nullable().optional().openapi({ description: "Dynamic codes only; null or left out: no rules, no variants" }),
      utm: UtmInputSchema.nullable().optional().openapi({ description: "Dynamic codes only; left out: the organization's UTM defaults (GET /qr_codes/utm_defaults); null: none" }),
      password: CodePassword.nullable().optional().openapi({ writeOnly: true, description: PASSWORD }),
      tags: TagsSchema.optional().describe(`${TAGS_DESCRIPTION} Left out: none (a PUT removes them).`),
    })
    .openapi(name, { description: `A ${type} code; content ${contentSummary(type)}` });
  return { name, schema };
});

// PATCH: a JSON merge patch (RFC 7396) of the code's editable state, validated as a PUT.

/** What a code's PUT would send to leave it as it is: the state a merge patch applies to. */
function editableState(code: QrCodeRecord): Record<string, unknown> {
  return { name: code.name, type: code.type, content: code.content, appearance: code.appearance, limits: code.limits, routing: code.routing, utm: code.utm, tags: code.tags };
}

/**
 * RFC 7396: an object patch merges key by key, `null` removes the key, anything else replaces the
 * target. Keys are copied as own data properties, so `__proto__` is a field like any other (and
 * refused as unknown) rather than a way to change a prototype.
 */
function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else Object.defineProperty(result, key, { value: applyMergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value), enumerable: true, writable: true, configurable: true });
  }
  return result;
}

/** The code after `patch`, validated as a PUT body (a 400 with every violation otherwise). */
export function patchedInput(code: QrCodeRecord, patch: unknown): CodeInput {
  if (!isRecord(patch)) throw new ValidationError([{ field: "", message: NOT_AN_OBJECT }]);
  const input = parseCodeBody(applyMergePatch(editableState(code), patch));
  // The password is write-only, so it is not in the state the patch applies to: a merge patch's
  // null (remove) reaches the write as null rather than as a field left out (keep).
  return patch.password === null ? { ...input, password: null } : input;
}

export const QrCodePatchSchema = z
  .object({
    name: Name.optional(),
    type: z.enum(QR_CODE_TYPES).optional().describe("A new type keeps the old content's fields unless the patch removes them (null): send the whole code with PUT to start afresh"),
    content: z.record(z.string(), z.unknown()).optional().describe("Merged into the content: a field set to null is removed"),
    appearance: z
      .object(mergePatchShape(AppearanceSchema.shape))
      .strict()
      .optional()
      .openapi("AppearancePatch", { description: "Merged into the design: fields left out stay as they are, null puts back a field's default" }),
    limits: z.object(mergePatchShape(LimitsSchema.shape)).nullable().optional().describe("Merged into the limits; null removes them all"),
    routing: z
      .object({ rules: routingInput.rules.nullable().optional(), variants: routingInput.variants.nullable().optional() })
      .nullable()
      .optional()
      .describe("Merged into the routing: `rules` or `variants` replaces that list as a whole (a merge patch replaces arrays); null removes both"),
    utm: z.object(mergePatchShape(UtmSchema.shape)).nullable().optional().describe("Merged into the UTM parameters; null removes them all"),
    password: CodePassword.nullable().optional().openapi({ writeOnly: true, description: "A new password; null removes it; left out keeps it" }),
    tags: TagsSchema.nullable()
      .optional()
      .openapi({ type: ["array", "null"], description: "Replaces the tags as a whole (a merge patch replaces arrays); null or [] removes them all" }),
  })
  .openapi("QrCodePatch", {
    description:
      "A JSON merge patch (RFC 7396) of the code: what it leaves out stays as it is, null removes a field (a field with a default gets it back). The result is validated as a PUT body.",
    example: { name: "Launch (spring)", content: { url: "https://example.com/spring" } },
  });

// Reading a JSON body.

export const MERGE_PATCH = "application/merge-patch+json";
/** A Content-Type's media type alone, lower case (`text/CSV; charset=utf-8` → `text/csv`). */

/** The same request labelled application/json (its body is already read into hono's cache). */
function relabelAsJson(c: Context<AppEnv>): void {
  const raw = c.req.raw;
  const headers = new Headers(raw.headers);
  headers.set("Content-Type", "application/json");
  c.req.raw = new Request(raw.url, { method: raw.method, headers, signal: raw.signal });
}

/** The Content-Type the route's validator (hono's) reads a body under; anything else it skips or refuses. */
const VALIDATOR_JSON = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/;

/**
 * Reads the body before the route's validator does, so that what is not JSON is answered in this
 * family's words: malformed or empty JSON is a 400 violation (an empty body is `whenEmpty` when
 * given). The label is not what decides: this API has always read a body as JSON whatever its
 * Content-Type said (`curl -d` sends form-urlencoded; a fetch of an empty body, text/plain), so a
 * body that parses is handed to the validator as application/json. Only a merge patch must say
 * what it is (application/merge-patch+json), since PATCH with a whole code would mean another thing.
 */
export function jsonBody(options: { mergePatch?: boolean; whenEmpty?: unknown } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const mediaType = mediaTypeOf(c.req.header("Content-Type"));
    if (options.mergePatch && mediaType !== MERGE_PATCH) {
      c.header("Accept-Patch", MERGE_PATCH);
      throw new ApiError(415, "UNSUPPORTED_MEDIA_TYPE", `PATCH takes a JSON merge patch (RFC 7396) as ${MERGE_PATCH}; PUT takes the whole code as application/json`);
    }
    const text = await c.req.text();
    if (text.trim() === "" && options.whenEmpty !== undefined) {
      // The route's validator parses the text hono cached (HonoRequest.json() reads that cache):
      // an empty body then reads as `whenEmpty` instead of failing as malformed JSON.
      c.req.bodyCache.text = Promise.resolve(JSON.stringify(options.whenEmpty)) as unknown as string;
    } else {
      try {
        JSON.parse(text);
      } catch {
        throw new ValidationError([{ field: "", message: "The request body must be valid JSON" }]);
      }
    }
    if (!options.mergePatch && !VALIDATOR_JSON.test(c.req.header("Content-Type") ?? "")) relabelAsJson(c);
    await next();
  };
}
