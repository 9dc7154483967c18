import { z } from "zod";
import { FILE_ID_PATTERN } from "../lib/file-ids";
import { emailPayload, geoPayload, smsPayload, telPayload, wifiPayload } from "../qr";
import {
  emailAddress,
  fileOrUrl,
  hostedPageFields,
  httpUrl,
  isoDateTime,
  latitude,
  longitude,
  optionalText,
  phoneNumber,
  requiredText,
  text,
  uploadId,
} from "./content-fields";
import type { QrCodeType } from "./types";

/**
 * What each content type is, in one place: the shape of its `content`, what its image encodes,
 * where its short link goes, its page and files at /p/{token}, the uploads it refers to, and its
 * schema.org view. Everything else (validation, the document, the redirect record, the
 * representation, the page router, the write checks, SQL) derives from these entries, so a new
 * type is one entry here, one page in src/pages (when it has one) and one test.
 *
 * Static types encode their native payload (mailto:, tel:, WIFI:…) and never pass through us;
 * dynamic types encode their short link (`/r/{token}`), so the target can change after printing
 * and scans are counted.
 */

/** An upload a content object refers to: where it sits (a dotted path under `content`) and what it must be. */
export interface UploadReference {
  path: string;
  id: string;
  purpose: "file" | "audio" | "image";
}

/** Where the schema.org view needs to know the code by. */
export interface SchemaOrgContext {
  identifier: string;
  /** The absolute URL of the code's page at /p/{token}, when it has one. */
  pageUrl: string | undefined;
}

interface ContentTypeSpec<C> {
  schema: z.ZodType<C>;
  /** One line for the API reference: the fields, required first. */
  summary: string;
  /**
   * `static`: the image encodes `payload(content)`, nothing passes through us. `dynamic`: the image
   * encodes the short link, which sends a scan to `target(content, token)`.
   */
  encoding: { kind: "static"; payload: (content: C) => string } | { kind: "dynamic"; target: (content: C, token: string) => string };
  /**
   * The page at /p/{token}: `landing` is a hosted landing page (its views are counted and shown,
   * its colours set by hostedPage… fields), `contact` a contact card; null for none.
   */
  page: "landing" | "contact" | null;
  /** A file served beside the page: the event's calendar, the contact's vCard. */
  attachment?: "event.ics" | "contact.vcf";
  /** The uploads the content refers to (ids only; URLs are not ours). */
  uploads?: (content: C, add: (path: string, value: unknown, purpose: UploadReference["purpose"]) => void) => void;
  /** The content as schema.org; without it the content itself is shown. */
  schemaOrg?: (content: C, context: SchemaOrgContext) => Record<string, unknown>;
  /** Read-only fields the representation adds to the content (a write may send them back; they are ignored). */
  derivedFields?: { names: readonly string[]; of: (content: C, publicOrigin: string) => Record<string, unknown> };
}

export const SCHEMA_ORG = "https://schema.org";

/** Drops absent and empty values so crawlers never read `""` as a value. */
export function compact<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null && v !== "" && !(typeof v === "object" && v !== null && Object.keys(v).length === 0))) as Partial<T>;
}

/** The landing-page types' shared uploads: their image and the file of publicFilePath. */
const pageUploads = (content: { image?: string | null; publicFilePath?: string | null }, add: (path: string, value: unknown, purpose: UploadReference["purpose"]) => void) => {
  add("image", content.image, "image");
  add("publicFilePath", content.publicFilePath, "file");
};

const toLandingPage = (_content: unknown, token: string) => `/p/${token}`;

const spec = <S extends z.ZodType>(entry: ContentTypeSpec<z.output<S>> & { schema: S }) => entry;

// The entries. Each says what the type does, top to bottom.

const url = spec({
  schema: z.object({ url: httpUrl() }),
  summary: "{url}",
  encoding: { kind: "dynamic", target: (content) => content.url },
  page: null,
});

const textType = spec({
  schema: z.object({ text: requiredText(10_000), name: optionalText(255), image: fileOrUrl().nullable().optional(), ...hostedPageFields }),
  summary: "{text, name, image, hostedPageBackgroundColor, hostedPagePrimaryColor, publicFilePath}",
  encoding: { kind: "dynamic", target: toLandingPage },
  page: "landing",
  uploads: pageUploads,
});

const email = spec({
  schema: z.object({ address: emailAddress(), subject: optionalText(255), message: optionalText(2000) }),
  summary: "{address, subject, message}",
  encoding: { kind: "static", payload: (c) => emailPayload({ address: c.address, subject: c.subject ?? undefined, body: c.message ?? undefined }) },
  page: null,
});

const call = spec({
  schema: z.object({ phoneNumber: phoneNumber() }),
  summary: "{phoneNumber}",
  encoding: { kind: "static", payload: (c) => telPayload(c.phoneNumber) },
  page: null,
});

const sms = spec({
  schema: z.object({ phoneNumber: phoneNumber(), message: text(1000) }),
  summary: "{phoneNumber, message}",
  encoding: { kind: "static", payload: (c) => smsPayload({ phoneNumber: c.phoneNumber, message: c.message }) },
  page: null,
});

const geo = spec({
  schema: z.object({ latitude: latitude(), longitude: longitude(), query: optionalText(255) }),
  summary: "{latitude, longitude, query}",
  encoding: { kind: "static", payload: (c) => geoPayload({ latitude: c.latitude, longitude: c.longitude, query: c.query ?? undefined }) },
  page: null,
});

const wifi = spec({
  schema: z
    .object({
      ssid: requiredText(32),
      password: optionalText(63),
      encryption: z.enum(["WPA", "WEP", "nopass"]).default("WPA"),
      hidden: z.boolean().default(false),
    })
    .superRefine((wifi, ctx) => {
      if (wifi.encryption !== "nopass" && !wifi.password) ctx.addIssue({ code: "custom", path: ["password"], message: `is required for ${wifi.encryption} networks` });
    }),
  summary: "{ssid, password, encryption (WPA, WEP, nopass), hidden}",
  encoding: { kind: "static", payload: (c) => wifiPayload({ ssid: c.ssid, password: c.password ?? undefined, encryption: c.encryption, hidden: c.hidden }) },
  page: null,
});

const VcardSchema = z
  .object({
    firstName: optionalText(100),
    lastName: optionalText(100),
    jobTitle: optionalText(100),
    gender: optionalText(50),
    note: optionalText(2000),
    organisation: optionalText(200),
    street: optionalText(200),
    city: optionalText(100),
    zipCode: optionalText(20),
    state: optionalText(100),
    country: optionalText(100),
    tel: phoneNumber().nullable().optional(),
    url: httpUrl().nullable().optional(),
    email: emailAddress().nullable().optional(),
  })
  .superRefine((card, ctx) => {
    if (![card.firstName, card.lastName, card.organisation].some((v) => v && v.trim() !== ""))
      ctx.addIssue({ code: "custom", path: ["firstName"], message: "at least one of firstName, lastName or organisation is required" });
  });

/** A PostalAddress only when at least one part of the address is known. */
function postalAddress(address: Record<string, string | undefined>): Record<string, unknown> | undefined {
  const parts = compact(address);
  return Object.keys(parts).length > 1 ? parts : undefined;
}

const vcard = spec({
  schema: VcardSchema,
  summary: "{firstName, lastName, organisation (one of the three required), jobTitle, gender, note, street, city, zipCode, state, country, tel, url, email}",
  // The contact page, with its .vcf: a phone opens the card instead of a raw download.
  encoding: { kind: "dynamic", target: toLandingPage },
  page: "contact",
  attachment: "contact.vcf",
  schemaOrg: (card, { identifier }) => {
    const fullName = [card.firstName, card.lastName].filter((part) => part && part.trim() !== "").join(" ");
    return compact({
      "@context": SCHEMA_ORG,
      "@type": "Person",
      identifier,
      name: fullName || card.organisation || undefined,
      givenName: card.firstName ?? undefined,
      familyName: card.lastName ?? undefined,
      jobTitle: card.jobTitle ?? undefined,
      gender: card.gender ?? undefined,
      description: card.note ?? undefined,
      worksFor: card.organisation ? { "@type": "Organization", name: card.organisation } : undefined,
      telephone: card.tel ?? undefined,
      email: card.email ?? undefined,
      url: card.url ?? undefined,
      address: postalAddress({
        "@type": "PostalAddress",
        streetAddress: card.street ?? undefined,
        addressLocality: card.city ?? undefined,
        postalCode: card.zipCode ?? undefined,
        addressRegion: card.state ?? undefined,
        addressCountry: card.country ?? undefined,
      }),
    });
  },
});

const file = spec({
  schema: z.object({ fileName: uploadId() }),
  summary: "{fileName: the id of an upload}",
  encoding: { kind: "dynamic", target: (content) => `/files/${content.fileName}` },
  page: null,
  uploads: (content, add) => add("fileName", content.fileName, "file"),
});

const links = spec({
  schema: z.object({
    links: z
      .array(z.object({ url: httpUrl(), name: requiredText(255), image: fileOrUrl().nullable().optional() }))
      .min(1)
      .max(50),
    name: optionalText(255),
    image: fileOrUrl().nullable().optional(),
    ...hostedPageFields,
  }),
  summary: "{links: [{url, name, image}] (1 to 50), name, image, hostedPageBackgroundColor, hostedPagePrimaryColor, publicFilePath}",
  encoding: { kind: "dynamic", target: toLandingPage },
  page: "landing",
  uploads: (content, add) => {
    pageUploads(content, add);
    content.links.forEach((link, i) => add(`links.${i}.image`, link.image, "image"));
  },
});

const audio = spec({
  schema: z.object({ fileName: uploadId(), name: optionalText(255), image: fileOrUrl().nullable().optional(), ...hostedPageFields }),
  summary: "{fileName: the id of an uploaded audio file, name, image, hostedPageBackgroundColor, hostedPagePrimaryColor, publicFilePath}; reads add publicAudioFilePath",
  encoding: { kind: "dynamic", target: toLandingPage },
  page: "landing",
  uploads: (content, add) => {
    add("fileName", content.fileName, "audio");
    pageUploads(content, add);
  },
  derivedFields: { names: ["publicAudioFilePath"], of: (content, publicOrigin) => ({ publicAudioFilePath: `${publicOrigin}/files/${content.fileName}` }) },
});

const event = spec({
  schema: z
    .object({
      name: requiredText(255),
      startDate: isoDateTime(),
      endDate: isoDateTime(),
      eventType: optionalText(100),
      image: fileOrUrl().nullable().optional(),
      location: optionalText(500),
      description: optionalText(10_000),
      ...hostedPageFields,
    })
    .superRefine((event, ctx) => {
      if (Date.parse(event.endDate) <= Date.parse(event.startDate)) ctx.addIssue({ code: "custom", path: ["endDate"], message: "must be after startDate" });
    }),
  summary: "{name, startDate, endDate (ISO 8601 with offset), eventType, image, location, description, hostedPageBackgroundColor, hostedPagePrimaryColor, publicFilePath}",
  encoding: { kind: "dynamic", target: toLandingPage },
  page: "landing",
  attachment: "event.ics",
  uploads: pageUploads,
  schemaOrg: (event, { identifier, pageUrl }) =>
    compact({
      "@context": SCHEMA_ORG,
      "@type": "Event",
      identifier,
      name: event.name,
      startDate: event.startDate,
      endDate: event.endDate,
      description: event.description ?? undefined,
      location: event.location ? { "@type": "Place", name: event.location } : undefined,
      url: pageUrl,
    }),
});

export const CONTENT_TYPES = { url, text: textType, email, call, sms, geo, wifi, vcard, file, links, audio, event } satisfies Record<QrCodeType, unknown>;

// What the rest of the code asks of the catalog.

type Catalog = typeof CONTENT_TYPES;
export type ContentOf<T extends QrCodeType> = z.output<Catalog[T]["schema"]>;
export type Content = { [T in QrCodeType]: ContentOf<T> }[QrCodeType];

/** The entry of a type, typed loosely for code that handles every type alike (content it has validated). */
const entryOf = (type: QrCodeType) => CONTENT_TYPES[type] as unknown as ContentTypeSpec<Record<string, unknown>>;

/** Each type's `content` schema. */
export const CONTENT_SCHEMAS = Object.fromEntries(Object.entries(CONTENT_TYPES).map(([type, entry]) => [type, entry.schema])) as { [T in QrCodeType]: Catalog[T]["schema"] };

const typesWhere = (test: (entry: ContentTypeSpec<Record<string, unknown>>) => boolean): readonly QrCodeType[] =>
  (Object.keys(CONTENT_TYPES) as QrCodeType[]).filter((type) => test(entryOf(type)));

/** Types whose image encodes their short link. */
export const DYNAMIC_TYPES = typesWhere((entry) => entry.encoding.kind === "dynamic");
/** Types with a landing page (views counted and shown, a page-views link). */
export const LANDING_PAGE_TYPES = typesWhere((entry) => entry.page === "landing");
/** Types with any page at /p/{token}: landing pages and the contact card. */
export const PAGE_TYPES = typesWhere((entry) => entry.page !== null);

export const isDynamicType = (type: QrCodeType): boolean => entryOf(type).encoding.kind === "dynamic";
export const hasLandingPage = (type: QrCodeType): boolean => entryOf(type).page === "landing";
export const hasPage = (type: QrCodeType): boolean => entryOf(type).page !== null;
export const attachmentOf = (type: QrCodeType): "event.ics" | "contact.vcf" | undefined => entryOf(type).attachment;

/** The native payload a static code encodes (mailto:, tel:, SMSTO:, geo:, WIFI:); null for dynamic types. */
export function staticPayload(type: QrCodeType, content: Record<string, unknown>): string | null {
  const { encoding } = entryOf(type);
  return encoding.kind === "static" ? encoding.payload(content) : null;
}

/** Where a dynamic code's short link sends a scan: absolute for url codes, a path on this Worker for the rest. */
export function linkTarget(type: QrCodeType, content: Record<string, unknown>, token: string): string | null {
  const { encoding } = entryOf(type);
  return encoding.kind === "dynamic" ? encoding.target(content, token) : null;
}

/** Every upload id a content object refers to, with the path it sits at and what it must be. */
export function uploadReferences(type: QrCodeType, content: Record<string, unknown>): UploadReference[] {
  const refs: UploadReference[] = [];
  entryOf(type).uploads?.(content, (path, value, purpose) => {
    if (typeof value === "string" && FILE_ID_PATTERN.test(value)) refs.push({ path, id: value, purpose });
  });
  return refs;
}

/**
 * Every upload a stored code refers to: its logo, and the ids in its content (uploadReferences).
 * The file_references rows written with the code are exactly these; the orphan cleanup spares them.
 */
export function referencedFileIds(code: { type: QrCodeType; content: Record<string, unknown>; logoFileId: string | null }): string[] {
  const ids = uploadReferences(code.type, code.content).map((ref) => ref.id);
  if (code.logoFileId !== null) ids.push(code.logoFileId);
  return [...new Set(ids)];
}

/** The content as schema.org (an Event, a Person), or the content itself for types without a mapping. */
export function schemaOrgContent(type: QrCodeType, content: Record<string, unknown>, context: SchemaOrgContext): Record<string, unknown> {
  return entryOf(type).schemaOrg?.(content, context) ?? content;
}

/** The content as the representation shows it: what was stored, plus the type's read-only fields. */
export function representedContent(type: QrCodeType, content: Record<string, unknown>, publicOrigin: string): Record<string, unknown> {
  const derived = entryOf(type).derivedFields?.of(content, publicOrigin);
  return derived ? { ...content, ...derived } : content;
}

/** Names of the read-only fields a type's representation adds to its content (a write may send them back; they are ignored). */
export function derivedFieldNames(type: QrCodeType): readonly string[] {
  return entryOf(type).derivedFields?.names ?? [];
}


/** The API reference's line for one type's content. */
export const contentSummary = (type: QrCodeType): string => entryOf(type).summary;
