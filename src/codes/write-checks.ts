import { hostedPageHtml } from "../pages/hosted";
import { ATTACHMENTS, buildAttachment } from "../pages/attachments";
import { MAX_CANVAS, PayloadError, planRender, QrError, type Appearance, type CenterImage } from "../qr";
import { InvalidInput, type FieldIssue } from "../lib/invalid-input";
import { attachmentOf, hasPage, staticPayload, uploadReferences } from "./catalog";
import type { CodeInput } from "./record";
import { dynamicUrlOf, hostedPageUrlOf } from "./representation";
import type { QrCodeType } from "./types";

/**
 * What a write must prove about a code before it is saved, beyond the shape of its fields: that
 * its uploads are the right kind of file, and that every image, page, .vcf and .ics a later read
 * builds from it can be built. A failure is InvalidInput naming the field.
 */

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
  if (issues.length > 0) throw new InvalidInput(issues);
}

/** The text a code's image encodes: its short link when dynamic, its native payload when static. */
export function encodedText(type: QrCodeType, content: Record<string, unknown>, dynamicUrl: string | null): string {
  return staticPayload(type, content) ?? dynamicUrl ?? "";
}

const PROBE_TOKEN = "00000000";
/** The largest canvas: if a design cannot be drawn here, no download of it can succeed. */
const PROBE_SIZE = MAX_CANVAS;

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
      if (err instanceof PayloadError) throw new InvalidInput([{ field: `content.${VCARD_CONTENT_FIELDS[err.field] ?? err.field}`, message: err.message }]);
      throw new InvalidInput([{ field: "content", message: `cannot be made into its ${document}: ${err instanceof Error ? err.message : String(err)}` }]);
    }
  };
  if (hasPage(input.type)) build("page", () => hostedPageHtml({ type: input.type, name: input.name, content: input.content }, pageUrl));
  const attachment = attachmentOf(input.type);
  if (attachment) {
    const probe = { id: "probe", content: input.content, updatedAt: new Date().toISOString() };
    build(ATTACHMENTS[attachment].kind, () => buildAttachment(attachment, probe, pageUrl));
  }
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
    if (err instanceof PayloadError) throw new InvalidInput([{ field: `content.${err.field}`, message: err.message }]);
    if (err instanceof QrError && err.code !== "RASTER_UNAVAILABLE") {
      // At the largest canvas only the margins can leave too little room for the modules.
      const field = err.field === "content" || err.field === undefined ? "content" : err.field === "size" ? "appearance.margin" : `appearance.${err.field}`;
      throw new InvalidInput([{ field, message: err.message }]);
    }
    throw err;
  }
}

/** The centre image a design asks for, before any uploaded logo is loaded. */
export function builtinLogo(appearance: Appearance): CenterImage | null {
  return appearance.uploadedImage === null && appearance.predefinedImage !== null ? { kind: "icon", key: appearance.predefinedImage } : null;
}
