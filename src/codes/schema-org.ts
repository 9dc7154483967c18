import type { QrCodeRecord } from "./record";
import type { ContentOf } from "./content";
import { hostedPageUrlOf } from "./representation";
import { isDynamicType, isHostedType } from "./types";

const SCHEMA = "https://schema.org";

/** Drops absent and empty values so crawlers never read `""` as a value. */
function compact<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null && v !== "" && !(typeof v === "object" && v !== null && Object.keys(v).length === 0))) as Partial<T>;
}

/**
 * The schema.org view of a code, as documented: a `BarCode` for the code itself, and the content
 * as an `Event` (event), a `Person` (vcard) or the raw content for other types.
 */
export function schemaOrgOf(code: QrCodeRecord, context: { base: string; organizationName: string }) {
  const identifier = isDynamicType(code.type) && code.shortToken ? code.shortToken : code.id;
  const pageUrl = isHostedType(code.type) && code.shortToken ? hostedPageUrlOf(context.base, code.shortToken) : undefined;
  return {
    id: code.id,
    qrCode: compact({
      "@context": SCHEMA,
      "@type": "BarCode",
      identifier,
      name: code.name,
      caption: "Scan me",
      creator: code.createdBy ? { "@type": "Person", name: code.createdBy } : undefined,
      maintainer: { "@type": "Organization", name: context.organizationName },
      dateCreated: { "@type": "DateTime", dateCreated: code.createdAt },
      dateModified: code.updatedAt,
      description: `${code.type} QR code`,
      provider: "edge-qr",
    }),
    content: contentOf(code, identifier, pageUrl),
  };
}

/** A PostalAddress only when at least one part of the address is known. */
function postalAddress(address: Record<string, string | undefined>): Record<string, unknown> | undefined {
  const parts = compact(address);
  return Object.keys(parts).length > 1 ? parts : undefined;
}

function contentOf(code: QrCodeRecord, identifier: string, pageUrl: string | undefined): Record<string, unknown> {
  if (code.type === "event") {
    const event = code.content as ContentOf<"event">;
    return compact({
      "@context": SCHEMA,
      "@type": "Event",
      identifier,
      name: event.name,
      startDate: event.startDate,
      endDate: event.endDate,
      description: event.description ?? undefined,
      location: event.location ? { "@type": "Place", name: event.location } : undefined,
      url: pageUrl,
    });
  }
  if (code.type === "vcard") {
    const card = code.content as ContentOf<"vcard">;
    const fullName = [card.firstName, card.lastName].filter((part) => part && part.trim() !== "").join(" ");
    return compact({
      "@context": SCHEMA,
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
  }
  return code.content;
}
