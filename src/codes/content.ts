import { z } from "zod";
import { emailPayload, geoPayload, smsPayload, telPayload, vcardPayload, wifiPayload } from "../qr/payloads";
import { FILE_ID_PATTERN } from "../db/files";
import { isHttpUrl } from "./urls";
import type { QrCodeType } from "./types";

/**
 * The `content` object of each type. Unknown keys are dropped (the contract ignores unsupported
 * keys); every URL a visitor can be sent to is http(s) only; references to uploads are 24-hex ids
 * returned by POST /files, checked against the organization's files by the route.
 */


/**
 * Every string of every content type starts here. A lone surrogate (half of a UTF-16 pair, which
 * JSON's `\ud800` escape can carry) has no UTF-8 form: the payload, page, .vcf or .ics built from
 * it later would throw or quietly turn it into U+FFFD. Checked first and aborting, so the
 * violation names this rather than a format the text happens to miss.
 */
const unicodeString = () => z.string().refine((value) => value.isWellFormed(), { message: "must be valid Unicode text (no lone surrogates)", abort: true });

const text = (max: number) => unicodeString().max(max);
const optionalText = (max: number) => text(max).nullable().optional();
const requiredText = (max: number) => text(max).min(1);
const hexColor = () =>
  unicodeString()
    .regex(/^#[0-9a-fA-F]{6}$/, "must be a 6-character hex colour such as #123abc")
    .nullable()
    .optional();
const httpUrl = () => unicodeString().max(2048).refine(isHttpUrl, "must be an absolute http:// or https:// URL");
/** An uploaded file's id, or an http(s) URL. */
const fileOrUrl = () =>
  unicodeString()
    .max(2048)
    .refine((value) => FILE_ID_PATTERN.test(value) || isHttpUrl(value), "must be the id of an uploaded file or an absolute http(s) URL");
const uploadId = () => unicodeString().regex(FILE_ID_PATTERN, "must be the id of a file uploaded with POST /files");
/** E.164-like: an optional +, 3 to 15 digits, and the separators people type. */
const phoneNumber = () =>
  unicodeString()
    .max(40)
    .refine((value) => /^\+?[0-9 ()\-.]+$/.test(value.trim()) && /^\d{3,15}$/.test(value.replace(/\D/g, "")), "must be a phone number of 3 to 15 digits, optionally starting with +");
const emailAddress = () => unicodeString().pipe(z.email("must be an email address").max(320));
const latitude = () => z.number().finite().min(-90).max(90);
const longitude = () => z.number().finite().min(-180).max(180);

const hostedPage = {
  hostedPageBackgroundColor: hexColor(),
  hostedPagePrimaryColor: hexColor(),
  publicFilePath: fileOrUrl().nullable().optional(),
};

const isoDateTime = () => unicodeString().pipe(z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time such as 2026-05-10T18:00:00+00:00" }));

export const CONTENT_SCHEMAS = {
  url: z.object({ url: httpUrl() }),
  text: z.object({ text: requiredText(10_000), name: optionalText(255), image: fileOrUrl().nullable().optional(), ...hostedPage }),
  email: z.object({ address: emailAddress(), subject: optionalText(255), message: optionalText(2000) }),
  call: z.object({ phoneNumber: phoneNumber() }),
  sms: z.object({ phoneNumber: phoneNumber(), message: text(1000) }),
  geo: z.object({ latitude: latitude(), longitude: longitude(), query: optionalText(255) }),
  wifi: z
    .object({
      ssid: requiredText(32),
      password: optionalText(63),
      encryption: z.enum(["WPA", "WEP", "nopass"]).default("WPA"),
      hidden: z.boolean().default(false),
    })
    .superRefine((wifi, ctx) => {
      if (wifi.encryption !== "nopass" && !wifi.password)
        ctx.addIssue({ code: "custom", path: ["password"], message: `is required for ${wifi.encryption} networks` });
    }),
  vcard: z
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
    }),
  file: z.object({ fileName: uploadId() }),
  links: z.object({
    links: z
      .array(z.object({ url: httpUrl(), name: requiredText(255), image: fileOrUrl().nullable().optional() }))
      .min(1)
      .max(50),
    name: optionalText(255),
    image: fileOrUrl().nullable().optional(),
    ...hostedPage,
  }),
  audio: z.object({ fileName: uploadId(), name: optionalText(255), image: fileOrUrl().nullable().optional(), ...hostedPage }),
  event: z
    .object({
      name: requiredText(255),
      startDate: isoDateTime(),
      endDate: isoDateTime(),
      eventType: optionalText(100),
      image: fileOrUrl().nullable().optional(),
      location: optionalText(500),
      description: optionalText(10_000),
      ...hostedPage,
    })
    .superRefine((event, ctx) => {
      if (Date.parse(event.endDate) <= Date.parse(event.startDate)) ctx.addIssue({ code: "custom", path: ["endDate"], message: "must be after startDate" });
    }),
} satisfies Record<QrCodeType, z.ZodType>;

export type ContentOf<T extends QrCodeType> = z.output<(typeof CONTENT_SCHEMAS)[T]>;
export type Content = { [T in QrCodeType]: ContentOf<T> }[QrCodeType];

const blankToUndefined = (value: string | null | undefined) => (value && value.trim() !== "" ? value : undefined);

/** The native payload a static code encodes (mailto:, tel:, SMSTO:, geo:, WIFI:); null for dynamic types. */
export function staticPayload(type: QrCodeType, content: Record<string, unknown>): string | null {
  switch (type) {
    case "email": {
      const c = content as ContentOf<"email">;
      return emailPayload({ address: c.address, subject: c.subject ?? undefined, body: c.message ?? undefined });
    }
    case "call":
      return telPayload((content as ContentOf<"call">).phoneNumber);
    case "sms": {
      const c = content as ContentOf<"sms">;
      return smsPayload({ phoneNumber: c.phoneNumber, message: c.message });
    }
    case "geo": {
      const c = content as ContentOf<"geo">;
      return geoPayload({ latitude: c.latitude, longitude: c.longitude, query: c.query ?? undefined });
    }
    case "wifi": {
      const c = content as ContentOf<"wifi">;
      return wifiPayload({ ssid: c.ssid, password: c.password ?? undefined, encryption: c.encryption, hidden: c.hidden });
    }
    default:
      return null;
  }
}

/** A vCard 3.0 of vcard content, for the `.vcf` download behind a vcard code's short link. */
export function vcardOf(content: ContentOf<"vcard">): string {
  return vcardPayload({
    firstName: blankToUndefined(content.firstName),
    lastName: blankToUndefined(content.lastName),
    organization: blankToUndefined(content.organisation),
    jobTitle: blankToUndefined(content.jobTitle),
    gender: blankToUndefined(content.gender),
    note: blankToUndefined(content.note),
    phones: content.tel ? [{ number: content.tel }] : [],
    emails: content.email ? [content.email] : [],
    urls: content.url ? [content.url] : [],
    address: {
      street: blankToUndefined(content.street),
      city: blankToUndefined(content.city),
      region: blankToUndefined(content.state),
      postalCode: blankToUndefined(content.zipCode),
      country: blankToUndefined(content.country),
    },
  });
}

/** Every upload id a content object refers to, with the JSON path it sits at and what it must be. */
export function uploadReferences(type: QrCodeType, content: Record<string, unknown>): { path: string; id: string; purpose: "file" | "audio" | "image" }[] {
  const refs: { path: string; id: string; purpose: "file" | "audio" | "image" }[] = [];
  const add = (path: string, value: unknown, purpose: "file" | "audio" | "image") => {
    if (typeof value === "string" && FILE_ID_PATTERN.test(value)) refs.push({ path, id: value, purpose });
  };
  if (type === "file") add("fileName", content.fileName, "file");
  if (type === "audio") add("fileName", content.fileName, "audio");
  add("image", content.image, "image");
  add("publicFilePath", content.publicFilePath, "file");
  if (type === "links" && Array.isArray(content.links))
    content.links.forEach((link: { image?: unknown }, i) => add(`links.${i}.image`, link.image, "image"));
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
