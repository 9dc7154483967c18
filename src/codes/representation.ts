import { scannabilityOf } from "../qr";
import type { QrCodeRecord } from "./record";
import { NO_LIMITS } from "./limits";
import { NO_UTM } from "./smart-links";
import { hasLandingPage, hasPage, isDynamicType, representedContent } from "./catalog";

/** Hypermedia relations as the contract names them. */
const REL = {
  download: "https://twilee.com/rels/download",
  schemaOrg: "https://twilee.com/rels/schema-org",
  scanLogs: "https://twilee.com/rels/scan-logs",
  pageViews: "https://twilee.com/rels/page-views",
} as const;

export const codePath = (id: string) => `/qr_codes/${id}`;
export const dynamicUrlOf = (base: string, token: string) => `${base}/r/${token}`;
export const hostedPageUrlOf = (base: string, token: string) => `${base}/p/${token}`;
/** The link people paste (chats, mail, bios): the same destination as the image, counted as a click rather than a scan. */
export const shareUrlOf = (base: string, token: string) => `${base}/s/${token}`;

/** The public URL of the short link a dynamic code encodes, or null for static codes. */
export function dynamicUrl(code: Pick<QrCodeRecord, "type" | "shortToken">, base: string): string | null {
  return isDynamicType(code.type) && code.shortToken ? dynamicUrlOf(base, code.shortToken) : null;
}

/** The documented representation; `base` is the public origin for links visitors follow. */
export function representCode(code: QrCodeRecord, base: string) {
  const dynamic = isDynamicType(code.type) && code.shortToken !== null;
  // A landing page counts views and links to them; the contact card is a page too, without views.
  const hosted = dynamic && hasLandingPage(code.type);
  const paged = dynamic && hasPage(code.type);
  const self = codePath(code.id);
  const content = representedContent(code.type, code.content, base);
  return {
    id: code.id,
    name: code.name,
    type: code.type,
    content,
    metadata: { shortToken: dynamic ? code.shortToken : null, createdAt: code.createdAt, updatedAt: code.updatedAt },
    appearance: code.appearance,
    attributes: {
      ...(dynamic
        ? {
            dynamicUrl: dynamicUrlOf(base, code.shortToken!),
            shareUrl: shareUrlOf(base, code.shortToken!),
            ...(paged ? { hostedPageUrl: hostedPageUrlOf(base, code.shortToken!) } : {}),
            passwordProtected: code.passwordHash !== null,
          }
        : { dynamicUrl: null }),
      // Additive: which decoder families the design is drawn for (appearance.scannability).
      scannability: scannabilityOf(code.appearance),
    },
    links: [
      { rel: "self", href: self, method: "GET" as const },
      { rel: REL.download, href: `${self}/download`, method: "POST" as const },
      { rel: REL.schemaOrg, href: `${self}/schemaorg`, method: "GET" as const },
      { rel: REL.scanLogs, href: `${self}/scans`, method: "GET" as const },
      ...(hosted ? [{ rel: REL.pageViews, href: `${self}/page-views`, method: "GET" as const }] : []),
    ],
    // Additive: clicks, the human visits of the share link, apart from the image's scans.
    analytics: hosted ? { scans: code.scans, views: code.views, clicks: code.clicks } : dynamic ? { scans: code.scans, clicks: code.clicks } : { scans: code.scans },
    // Additive, beyond the contract: every field null when the code has no limit.
    limits: code.limits ?? NO_LIMITS,
    // Additive (codes/smart-links.ts): both lists empty, every UTM field null, when the code has none.
    routing: code.routing ?? { rules: [], variants: [] },
    utm: code.utm ?? NO_UTM,
    // Additive, dynamic codes: what the cron's destination checks last found (null before the first).
    ...(dynamic ? { health: code.health } : {}),
    // Additive: normalised, sorted (codes/tags.ts); [] when the code has none.
    tags: code.tags,
  };
}

export type QrCodeRepresentation = ReturnType<typeof representCode>;

/** A collection member: the same representation with its JSON-LD identity first. */
export function representMember(code: QrCodeRecord, base: string) {
  return { "@id": codePath(code.id), "@type": "QrCode" as const, ...representCode(code, base) };
}
