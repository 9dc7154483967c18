import { QrError } from "./errors";

/** A centre logo: one of our built-in icons, or an uploaded raster image. */
export type CenterImage =
  | { kind: "icon"; key: string }
  | { kind: "raster"; mime: "image/png" | "image/jpeg"; bytes: Uint8Array; width: number; height: number };

/** Largest uploaded logo we embed; bigger files bloat every SVG and PNG made from the code. */
export const MAX_LOGO_BYTES = 512 * 1024;
const MAX_LOGO_DIMENSION = 4096;

/** Reads type and pixel size from a PNG or JPEG header without decoding the image. */
export function sniffRasterImage(bytes: Uint8Array): CenterImage & { kind: "raster" } {
  if (bytes.length > MAX_LOGO_BYTES) throw new QrError("INVALID_IMAGE", `Logo images are limited to ${MAX_LOGO_BYTES} bytes`, "uploadedImage");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let size: { width: number; height: number; mime: "image/png" | "image/jpeg" } | null = null;
  if (bytes.length >= 24 && view.getUint32(0) === 0x89504e47 && view.getUint32(4) === 0x0d0a1a0a && view.getUint32(12) === 0x49484452) {
    size = { mime: "image/png", width: view.getUint32(16), height: view.getUint32(20) };
  } else if (bytes.length >= 4 && view.getUint16(0) === 0xffd8) {
    size = readJpegSize(view);
  }
  if (!size) throw new QrError("INVALID_IMAGE", "Logo must be a PNG or JPEG image", "uploadedImage");
  if (size.width < 1 || size.height < 1 || size.width > MAX_LOGO_DIMENSION || size.height > MAX_LOGO_DIMENSION)
    throw new QrError("INVALID_IMAGE", `Logo dimensions must be between 1 and ${MAX_LOGO_DIMENSION} pixels`, "uploadedImage");
  return { kind: "raster", bytes, ...size };
}

function readJpegSize(view: DataView): { width: number; height: number; mime: "image/jpeg" } | null {
  let offset = 2;
  while (offset + 9 < view.byteLength) {
    if (view.getUint8(offset) !== 0xff) return null;
    const marker = view.getUint8(offset + 1);
    // Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return { mime: "image/jpeg", height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
    offset += 2 + view.getUint16(offset + 2);
  }
  return null;
}
