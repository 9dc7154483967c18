import { randomHex } from "./hex";

/** File ids: 96 bits from the CSPRNG as 24 lowercase hex characters (unguessable; /files/{id} is public), in R2 keys, URLs and content alike. */
export const FILE_ID_PATTERN = /^[0-9a-f]{24}$/;

export const isFileId = (value: unknown): value is string => typeof value === "string" && FILE_ID_PATTERN.test(value);

export function newFileId(): string {
  return randomHex(12);
}
