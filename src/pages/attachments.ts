import type { ContentOf } from "../codes/catalog";
import { vcardPayload } from "../qr";
import type { QrCodeRecord } from "../codes/record";
import { eventCalendar } from "./calendar";

/**
 * The files served beside a page (catalog.ts names which type has which): the event's calendar
 * and the contact's vCard. Built by the same function for a visitor (http/hosted-pages.ts) and for
 * the write that proves they can be built (codes/write-checks.ts).
 */

const blankToUndefined = (value: string | null | undefined) => (value && value.trim() !== "" ? value : undefined);

/** A vCard 3.0 of vcard content, for the `.vcf` beside a vcard code's contact page. */
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

export type AttachmentName = "event.ics" | "contact.vcf";

export interface Attachment {
  body: string;
  contentType: string;
  /** What a human calls the document in an error message. */
  kind: string;
}

type Source = Pick<QrCodeRecord, "id" | "content" | "updatedAt">;

export const ATTACHMENTS: Record<AttachmentName, { kind: string; contentType: string; build: (code: Source, pageUrl: string) => string }> = {
  "event.ics": {
    kind: "calendar file",
    contentType: "text/calendar; charset=utf-8",
    build: (code, pageUrl) => eventCalendar(code.content as ContentOf<"event">, { uid: `${code.id}@${new URL(pageUrl).host}`, pageUrl, stamp: code.updatedAt }),
  },
  "contact.vcf": {
    kind: "vCard",
    contentType: "text/vcard; charset=utf-8",
    build: (code) => vcardOf(code.content as ContentOf<"vcard">),
  },
};

export function buildAttachment(name: AttachmentName, code: Source, pageUrl: string): Attachment {
  const { kind, contentType, build } = ATTACHMENTS[name];
  return { body: build(code, pageUrl), contentType, kind };
}
