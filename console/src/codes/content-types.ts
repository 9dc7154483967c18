// The 12 content types as the console's forms show them: one description, read by one form
// (screens/code-form.tsx). It follows src/codes/catalog.ts (the API's one description of what a
// type is); the API stays the judge: its violations are shown at the fields they name.
import type { QrCodeType } from "../api";

export type FieldKind = "text" | "textarea" | "url" | "email" | "tel" | "number" | "datetime" | "select" | "checkbox" | "color" | "upload" | "fileOrUrl" | "links";

/** What POST /files calls the uploads a field takes. */
export type UploadPurpose = "file" | "audio" | "logo";

export interface FieldSpec {
  /** The content property (the API's `content.<name>`). */
  name: string;
  label: string;
  kind: FieldKind;
  required?: boolean;
  maxLength?: number;
  hint?: string;
  options?: readonly string[];
  /** The default a new code starts with (select and checkbox fields). */
  initial?: string | boolean;
  /** upload and fileOrUrl fields: what the upload is for. */
  purpose?: UploadPurpose;
  min?: number;
  max?: number;
}

export interface TypeSpec {
  type: QrCodeType;
  label: string;
  /** One line under the type picker: what a scan does. */
  description: string;
  fields: readonly FieldSpec[];
}

const image: FieldSpec = { name: "image", label: "Image", kind: "fileOrUrl", purpose: "logo", hint: "A PNG or JPEG you upload, or an https:// URL" };
/** The landing-page types' page fields. */
const pageFields: readonly FieldSpec[] = [
  { name: "hostedPageBackgroundColor", label: "Page background colour", kind: "color", hint: "#rrggbb" },
  { name: "hostedPagePrimaryColor", label: "Page primary colour", kind: "color", hint: "#rrggbb" },
  { name: "publicFilePath", label: "File offered on the page", kind: "fileOrUrl", purpose: "file" },
];

export const CONTENT_TYPES: readonly TypeSpec[] = [
  { type: "url", label: "Website", description: "Opens a web address (dynamic: you can change it after printing)", fields: [{ name: "url", label: "Web address", kind: "url", required: true, maxLength: 2048, hint: "https://…" }] },
  {
    type: "text",
    label: "Text page",
    description: "A hosted page with your text",
    fields: [{ name: "text", label: "Text", kind: "textarea", required: true, maxLength: 10_000 }, { name: "name", label: "Title", kind: "text", maxLength: 255 }, image, ...pageFields],
  },
  {
    type: "email",
    label: "Email",
    description: "Starts an email (static: encoded in the image)",
    fields: [
      { name: "address", label: "Email address", kind: "email", required: true },
      { name: "subject", label: "Subject", kind: "text", maxLength: 255 },
      { name: "message", label: "Message", kind: "textarea", maxLength: 2000 },
    ],
  },
  { type: "call", label: "Phone call", description: "Calls a number (static)", fields: [{ name: "phoneNumber", label: "Phone number", kind: "tel", required: true, maxLength: 40 }] },
  {
    type: "sms",
    label: "SMS",
    description: "Starts a text message (static)",
    fields: [
      { name: "phoneNumber", label: "Phone number", kind: "tel", required: true, maxLength: 40 },
      // Required by the API as a key; it may be empty (an SMS with only a number).
      { name: "message", label: "Message", kind: "textarea", required: true, maxLength: 1000 },
    ],
  },
  {
    type: "geo",
    label: "Location",
    description: "Opens a place on a map (static)",
    fields: [
      { name: "latitude", label: "Latitude", kind: "number", required: true, min: -90, max: 90 },
      { name: "longitude", label: "Longitude", kind: "number", required: true, min: -180, max: 180 },
      { name: "query", label: "Place name", kind: "text", maxLength: 255 },
    ],
  },
  {
    type: "wifi",
    label: "Wi-Fi",
    description: "Joins a Wi-Fi network (static)",
    fields: [
      { name: "ssid", label: "Network name (SSID)", kind: "text", required: true, maxLength: 32 },
      { name: "password", label: "Password", kind: "text", maxLength: 63 },
      { name: "encryption", label: "Security", kind: "select", options: ["WPA", "WEP", "nopass"], initial: "WPA" },
      { name: "hidden", label: "Hidden network", kind: "checkbox", initial: false },
    ],
  },
  {
    type: "vcard",
    label: "Contact card",
    description: "A contact page with a card to save (first name, last name or organisation required)",
    fields: [
      { name: "firstName", label: "First name", kind: "text", maxLength: 100 },
      { name: "lastName", label: "Last name", kind: "text", maxLength: 100 },
      { name: "organisation", label: "Organisation", kind: "text", maxLength: 200 },
      { name: "jobTitle", label: "Job title", kind: "text", maxLength: 100 },
      { name: "tel", label: "Phone", kind: "tel", maxLength: 40 },
      { name: "email", label: "Email", kind: "email" },
      { name: "url", label: "Website", kind: "url", maxLength: 2048 },
      { name: "street", label: "Street", kind: "text", maxLength: 200 },
      { name: "city", label: "City", kind: "text", maxLength: 100 },
      { name: "zipCode", label: "Postal code", kind: "text", maxLength: 20 },
      { name: "state", label: "State or region", kind: "text", maxLength: 100 },
      { name: "country", label: "Country", kind: "text", maxLength: 100 },
      { name: "gender", label: "Gender", kind: "text", maxLength: 50 },
      { name: "note", label: "Note", kind: "textarea", maxLength: 2000 },
    ],
  },
  { type: "file", label: "File", description: "Downloads a file you upload", fields: [{ name: "fileName", label: "File", kind: "upload", purpose: "file", required: true, hint: "PDF, image, office document or ZIP, up to 25 MB" }] },
  {
    type: "links",
    label: "List of links",
    description: "A hosted page with up to 50 links",
    fields: [{ name: "links", label: "Links", kind: "links", required: true }, { name: "name", label: "Title", kind: "text", maxLength: 255 }, image, ...pageFields],
  },
  {
    type: "audio",
    label: "Audio",
    description: "A hosted page that plays a recording",
    fields: [{ name: "fileName", label: "Audio file", kind: "upload", purpose: "audio", required: true, hint: "MP3, M4A, OGG or WAV, up to 20 MB" }, { name: "name", label: "Title", kind: "text", maxLength: 255 }, image, ...pageFields],
  },
  {
    type: "event",
    label: "Event",
    description: "A hosted event page with a calendar file",
    fields: [
      { name: "name", label: "Event name", kind: "text", required: true, maxLength: 255 },
      { name: "startDate", label: "Starts", kind: "datetime", required: true },
      { name: "endDate", label: "Ends", kind: "datetime", required: true },
      { name: "eventType", label: "Kind of event", kind: "text", maxLength: 100 },
      { name: "location", label: "Location", kind: "text", maxLength: 500 },
      { name: "description", label: "Description", kind: "textarea", maxLength: 10_000 },
      image,
      ...pageFields,
    ],
  },
];

export const typeSpec = (type: QrCodeType): TypeSpec => CONTENT_TYPES.find((spec) => spec.type === type)!;

/** One link of a links code as the form edits it. */
export interface LinkDraft {
  url: string;
  name: string;
  image: string;
}

/** A form's values: text for inputs, booleans for checkboxes, link lists for links. */
export type Draft = Record<string, string | boolean | LinkDraft[]>;

/** `2026-05-10T18:00` in the browser's zone → ISO 8601 with its offset, as the API wants. */
export function localToIso(local: string): string {
  const date = new Date(local);
  if (Number.isNaN(date.getTime())) return local;
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const pad = (n: number) => String(Math.abs(Math.trunc(n))).padStart(2, "0");
  return `${local.length === 16 ? `${local}:00` : local}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

/** An ISO date-time → the `datetime-local` input's value in the browser's zone. */
export function isoToLocal(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A new code's form values for a type. */
export function emptyDraft(spec: TypeSpec): Draft {
  const draft: Draft = {};
  for (const field of spec.fields) {
    if (field.kind === "links") draft[field.name] = [{ url: "", name: "", image: "" }];
    else if (field.kind === "checkbox") draft[field.name] = field.initial === true;
    else draft[field.name] = typeof field.initial === "string" ? field.initial : "";
  }
  return draft;
}

/** A saved code's content as form values. */
export function draftOf(spec: TypeSpec, content: Record<string, unknown>): Draft {
  const draft = emptyDraft(spec);
  for (const field of spec.fields) {
    const value = content[field.name];
    if (value === undefined || value === null) continue;
    if (field.kind === "links" && Array.isArray(value))
      draft[field.name] = value.map((link: Record<string, unknown>) => ({ url: String(link.url ?? ""), name: String(link.name ?? ""), image: String(link.image ?? "") }));
    else if (field.kind === "checkbox") draft[field.name] = value === true;
    else if (field.kind === "datetime") draft[field.name] = isoToLocal(String(value));
    else draft[field.name] = String(value);
  }
  return draft;
}

/**
 * Form values → the API's `content`. Empty optional fields are left out (the API's defaults apply);
 * numbers that do not parse are sent as typed, so the API names the field.
 */
export function contentOf(spec: TypeSpec, draft: Draft): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  for (const field of spec.fields) {
    const value = draft[field.name];
    if (field.kind === "checkbox") content[field.name] = value === true;
    else if (field.kind === "links" && Array.isArray(value))
      content[field.name] = value.map((link) => (link.image.trim() === "" ? { url: link.url.trim(), name: link.name } : { url: link.url.trim(), name: link.name, image: link.image.trim() }));
    else if (typeof value === "string") {
      if (value.trim() === "" && !field.required) continue;
      if (field.kind === "number") content[field.name] = value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
      else if (field.kind === "datetime") content[field.name] = value === "" ? value : localToIso(value);
      else if (field.kind === "url" || field.kind === "email" || field.kind === "fileOrUrl" || field.kind === "upload") content[field.name] = value.trim();
      else content[field.name] = value;
    }
  }
  return content;
}
