// The designer's link to the engine (src/qr/browser.ts): what a code encodes, where its logo's
// bytes come from, and resvg's WebAssembly as a file this origin serves (the console's CSP allows
// connections to 'self' only, so the wasm cannot come from anywhere else).
import wasmUrl from "@resvg/resvg-wasm/index_bg.wasm?url";
import { emailPayload, geoPayload, smsPayload, telPayload, wifiPayload } from "../../../src/qr/payloads";
import { type Appearance, type DesignPreview, renderDesign } from "../../../src/qr/browser";
import type { QrCode } from "../api";

export type { Appearance, DesignPreview };

type Content = Record<string, any>;
const optional = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/**
 * The native payloads of the static types, as src/codes/catalog.ts builds them for the download
 * (that catalog holds zod and the Worker's engine entry, so it cannot come to the browser). Keep
 * the two in step: the designer's browser test compares a url code with the download byte for byte.
 */
const STATIC_PAYLOADS: Partial<Record<QrCode["type"], (c: Content) => string>> = {
  email: (c) => emailPayload({ address: c.address, subject: optional(c.subject), body: optional(c.message) }),
  call: (c) => telPayload(c.phoneNumber),
  sms: (c) => smsPayload({ phoneNumber: c.phoneNumber, message: c.message }),
  geo: (c) => geoPayload({ latitude: c.latitude, longitude: c.longitude, query: optional(c.query) }),
  wifi: (c) => wifiPayload({ ssid: c.ssid, password: optional(c.password), encryption: c.encryption, hidden: c.hidden }),
};

/** What the code's image encodes, as the download decides it: a static payload, else the short link. */
export function encodedContent(code: QrCode): string {
  const payload = STATIC_PAYLOADS[code.type];
  return payload ? payload(code.content as Content) : (code.attributes.dynamicUrl ?? "");
}

/**
 * The same-origin path of the upload an `uploadedImage` names (its id, or its /files/{id} URL on
 * this origin); null for a logo on another site, which the download imported when the code was
 * saved but which the console may not fetch.
 */
export function logoPath(uploadedImage: string | null): string | null {
  if (uploadedImage === null) return null;
  if (/^[0-9a-f]{24}$/.test(uploadedImage)) return `/files/${uploadedImage}`;
  try {
    const url = new URL(uploadedImage);
    return url.origin === location.origin && /^\/files\/[0-9a-f]{24}$/.test(url.pathname) ? url.pathname : null;
  } catch {
    return null;
  }
}

export interface PreviewInput {
  content: string;
  appearance: Appearance;
  size: number;
  margin: number;
  logo: Uint8Array | null;
}

/** The preview of a design, drawn as the download would draw it at this size and margin. */
export function drawPreview(input: PreviewInput): Promise<DesignPreview> {
  return renderDesign({ content: input.content, appearance: input.appearance, size: input.size, margin: input.margin, logo: input.logo, frameTextWasm: wasmUrl });
}
