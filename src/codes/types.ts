/** The twelve content types of the QR code resource, in the contract's order; what each one is lives in catalog.ts. */
export const QR_CODE_TYPES = ["url", "text", "email", "call", "sms", "geo", "wifi", "vcard", "file", "links", "audio", "event"] as const;
export type QrCodeType = (typeof QR_CODE_TYPES)[number];
