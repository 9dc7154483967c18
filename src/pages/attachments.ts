import { vcardOf, type ContentOf } from "../codes/catalog";
import type { QrCodeRecord } from "../codes/record";
import { eventCalendar } from "./calendar";

/**
 * The files served beside a page (catalog.ts names which type has which): the event's calendar
 * and the contact's vCard. Built by the same function for a visitor (http/hosted-pages.ts) and for
 * the write that proves they can be built (codes/write-checks.ts).
 */

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
