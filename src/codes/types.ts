/** The twelve content types of the QR code resource, and how each behaves. */
export const QR_CODE_TYPES = ["url", "text", "email", "call", "sms", "geo", "wifi", "vcard", "file", "links", "audio", "event"] as const;
export type QrCodeType = (typeof QR_CODE_TYPES)[number];

/** Dynamic codes encode their short link (`/r/{token}`), so the target can change after printing and scans are counted. */
export const DYNAMIC_TYPES: ReadonlySet<QrCodeType> = new Set(["url", "text", "links", "audio", "event", "file", "vcard"]);
/** Types with a hosted landing page at `/p/{token}`. */
export const HOSTED_TYPES: ReadonlySet<QrCodeType> = new Set(["text", "links", "audio", "event"]);

export const isDynamicType = (type: QrCodeType): boolean => DYNAMIC_TYPES.has(type);
export const isHostedType = (type: QrCodeType): boolean => HOSTED_TYPES.has(type);
