import type { QrCodeRecord } from "./record";
import { hostedPageUrlOf } from "./representation";
import { compact, hasPage, isDynamicType, SCHEMA_ORG, schemaOrgContent } from "./catalog";

/**
 * The schema.org view of a code, as documented: a `BarCode` for the code itself, and the content
 * as its type's catalog entry maps it (an `Event`, a `Person`), or the raw content.
 */
export function schemaOrgOf(code: QrCodeRecord, context: { base: string; organizationName: string }) {
  const identifier = isDynamicType(code.type) && code.shortToken ? code.shortToken : code.id;
  const pageUrl = hasPage(code.type) && code.shortToken ? hostedPageUrlOf(context.base, code.shortToken) : undefined;
  return {
    id: code.id,
    qrCode: compact({
      "@context": SCHEMA_ORG,
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
    content: schemaOrgContent(code.type, code.content, { identifier, pageUrl }),
  };
}
