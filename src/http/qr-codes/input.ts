import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../env";
import { CONTENT_SCHEMAS, staticPayload, uploadReferences, vcardOf, type ContentOf } from "../../codes/content";
import { dynamicUrlOf, hostedPageUrlOf } from "../../codes/representation";
import { hasLimits, LimitsSchema, type Limits } from "../../codes/limits";
import { isDynamicType, QR_CODE_TYPES, type QrCodeType } from "../../codes/types";
import { AppearanceSchema, type Appearance } from "../../qr/appearance";
import { QrError } from "../../qr/errors";
import { BUILTIN_ICON_KEYS, isBuiltinIcon } from "../../qr/icons";
import type { CenterImage } from "../../qr/image";
import { PayloadError } from "../../qr/payloads";
import { planRender } from "../../qr/plan";
import { eventCalendar } from "../../pages/calendar";
import { hostedPageHtml, PAGE_TYPES } from "../../pages/hosted";
import { issuesFromZod, ValidationError, type FieldIssue } from "../errors";
import { violationMessage } from "../validation-messages";

/** The request body as JSON (a 400 violation when it is not); an empty body is `whenEmpty` if given. */
export async function readJsonBody(c: Context<AppEnv>, whenEmpty?: unknown): Promise<unknown> {
  const text = await c.req.text();
  if (whenEmpty !== undefined && text.trim() === "") return whenEmpty;
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError([{ field: "", message: "The request body must be valid JSON" }]);
  }
}

/** What POST and PUT accept, after validation: a complete description (PUT replaces). */
export interface CodeInput {
  name: string;
  type: QrCodeType;
  content: Record<string, unknown>;
  appearance: Appearance;
  /** null when no limit is set (the representation then shows every field null). */
  limits: Limits | null;
}

const BodySchema = z.object({
  name: z
    .string()
    .max(255)
    .refine((name) => name.trim() !== "", "must not be empty"),
  type: z.enum(QR_CODE_TYPES).default("url"),
  content: z.record(z.string(), z.unknown()),
  appearance: z.record(z.string(), z.unknown()).default({}),
  limits: LimitsSchema.nullable().default(null),
});

/**
 * Validates a create or replace body, collecting every violation at once (the body's fields, the
 * type's content and the appearance are checked independently so one bad field never hides another).
 */
export function parseCodeInput(body: unknown): CodeInput {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ValidationError([{ field: "", message: "The request body must be a JSON object" }]);
  const issues: FieldIssue[] = [];
  const base = BodySchema.safeParse(body, { error: violationMessage });
  if (!base.success) issues.push(...issuesFromZod(base.error));
  const raw = body as Record<string, unknown>;

  const type = base.success ? base.data.type : QR_CODE_TYPES.find((t) => t === (raw.type ?? "url"));
  let content: Record<string, unknown> | undefined;
  if (type && typeof raw.content === "object" && raw.content !== null && !Array.isArray(raw.content)) {
    const parsed = CONTENT_SCHEMAS[type].safeParse(raw.content, { error: violationMessage });
    if (parsed.success) content = parsed.data as Record<string, unknown>;
    else issues.push(...issuesFromZod(parsed.error, "content"));
  }

  let appearance: Appearance | undefined;
  const appearanceInput = raw.appearance ?? {};
  if (typeof appearanceInput === "object" && appearanceInput !== null && !Array.isArray(appearanceInput)) {
    const parsed = AppearanceSchema.safeParse(appearanceInput, { error: violationMessage });
    if (parsed.success) {
      appearance = parsed.data;
      if (appearance.predefinedImage !== null && !isBuiltinIcon(appearance.predefinedImage))
        issues.push({ field: "appearance.predefinedImage", message: `must be one of the built-in logos: ${BUILTIN_ICON_KEYS.join(", ")}` });
    } else issues.push(...issuesFromZod(parsed.error, "appearance"));
  }

  const limits = base.success && hasLimits(base.data.limits) ? base.data.limits : null;
  if (limits && type && !isDynamicType(type)) issues.push({ field: "limits", message: `apply to dynamic codes only; a ${type} code's image holds its payload and never passes through a short link` });

  if (issues.length > 0 || !base.success || !type || !content || !appearance) throw new ValidationError(issues);
  return { name: base.data.name, type, content, appearance, limits };
}

export interface UploadedFileInfo {
  mediaType: string;
  purpose: string;
}

/** Which uploads each reference may point at: a file code needs a file, an audio code audio, images an image. */
function uploadFits(purpose: "file" | "audio" | "image", file: UploadedFileInfo): boolean {
  if (purpose === "audio") return file.mediaType.startsWith("audio/");
  if (purpose === "image") return file.mediaType.startsWith("image/");
  return true;
}

/** Every upload the content refers to must be one of the organization's files, of a fitting kind. */
export async function checkUploadReferences(input: CodeInput, lookup: (id: string) => Promise<UploadedFileInfo | null>): Promise<void> {
  const issues: FieldIssue[] = [];
  for (const ref of uploadReferences(input.type, input.content)) {
    const file = await lookup(ref.id);
    if (!file) issues.push({ field: `content.${ref.path}`, message: "no uploaded file has this id" });
    else if (!uploadFits(ref.purpose, file)) issues.push({ field: `content.${ref.path}`, message: `must be an uploaded ${ref.purpose} (this file is ${file.mediaType})` });
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

/** The text a code's image encodes: its short link when dynamic, its native payload when static. */
export function encodedText(type: QrCodeType, content: Record<string, unknown>, dynamicUrl: string | null): string {
  return staticPayload(type, content) ?? dynamicUrl ?? "";
}

const PROBE_TOKEN = "00000000";
/** The largest canvas: if a design cannot be drawn here, no download of it can succeed. */
const PROBE_SIZE = 5000;

/** Where the vCard builder's fields (its PayloadError.field) sit in vcard content. */
const VCARD_CONTENT_FIELDS: Record<string, string> = {
  organization: "organisation",
  "phones[0].number": "tel",
  "emails[0]": "email",
  "urls[0]": "url",
  "address.street": "street",
  "address.city": "city",
  "address.region": "state",
  "address.postalCode": "zipCode",
  "address.country": "country",
};

/**
 * Builds every document a read of the code builds from its content (the page at /p/{token}, the
 * .vcf, the .ics), so what would fail for every visitor later fails this write now, as a 400.
 * Reads build them with the same functions (http/hosted-pages.ts).
 */
function checkReadable(input: CodeInput, base: string): void {
  const pageUrl = hostedPageUrlOf(base, PROBE_TOKEN);
  const build = (document: string, make: () => unknown) => {
    try {
      make();
    } catch (err) {
      if (err instanceof PayloadError) throw new ValidationError([{ field: `content.${VCARD_CONTENT_FIELDS[err.field] ?? err.field}`, message: err.message }]);
      throw new ValidationError([{ field: "content", message: `cannot be made into its ${document}: ${err instanceof Error ? err.message : String(err)}` }]);
    }
  };
  if (PAGE_TYPES.has(input.type)) build("page", () => hostedPageHtml({ type: input.type, name: input.name, content: input.content }, pageUrl));
  if (input.type === "vcard") build("vCard", () => vcardOf(input.content as ContentOf<"vcard">));
  if (input.type === "event")
    build("calendar file", () => eventCalendar(input.content as ContentOf<"event">, { uid: `probe@${new URL(pageUrl).host}`, pageUrl, stamp: new Date().toISOString() }));
}

/**
 * Refuses at write time what could never be downloaded or read: a payload the builders reject,
 * content over capacity for the chosen version or mode, too little contrast, a logo that would
 * hide more than error correction recovers, or content its page, .vcf or .ics cannot be made of.
 * Dynamic codes are probed with a short link of the real length.
 */
export function checkRenderable(input: CodeInput, base: string, logo: CenterImage | null): void {
  checkReadable(input, base);
  try {
    const text = encodedText(input.type, input.content, dynamicUrlOf(base, PROBE_TOKEN));
    planRender({ content: text, appearance: input.appearance, size: PROBE_SIZE, image: logo });
  } catch (err) {
    if (err instanceof PayloadError) throw new ValidationError([{ field: `content.${err.field}`, message: err.message }]);
    if (err instanceof QrError && err.code !== "RASTER_UNAVAILABLE") {
      // At the largest canvas only the margins can leave too little room for the modules.
      const field = err.field === "content" || err.field === undefined ? "content" : err.field === "size" ? "appearance.margin" : `appearance.${err.field}`;
      throw new ValidationError([{ field, message: err.message }]);
    }
    throw err;
  }
}

/** The centre image a design asks for, before any uploaded logo is loaded. */
export function builtinLogo(appearance: Appearance): CenterImage | null {
  return appearance.uploadedImage === null && appearance.predefinedImage !== null ? { kind: "icon", key: appearance.predefinedImage } : null;
}
