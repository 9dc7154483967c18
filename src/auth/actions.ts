/** Actions a bearer API key may be granted, RAM-style (`service:Action`). */
export const KNOWN_ACTIONS = [
  "cams:CreatePhoneMessageQrdl",
  "cams:ListPhoneMessageQrdl",
  "cams:UpdatePhoneMessageQrdl",
  "cams:DeletePhoneMessageQrdl",
  "qr:ReadQrCode",
  "qr:WriteQrCode",
  "pairing:ManageInstance",
] as const;
export type KnownAction = (typeof KNOWN_ACTIONS)[number];
