import { QrError } from "./errors";

/** A centre logo: one of our built-in icons, or an uploaded raster image. */
export type CenterImage =
  | { kind: "icon"; key: string }
  | { kind: "raster"; mime: "image/png" | "image/jpeg"; bytes: Uint8Array; width: number; height: number };

export type RasterImage = CenterImage & { kind: "raster" };

/** Largest uploaded logo we embed; bigger files bloat every SVG and PNG made from the code. */
export const MAX_LOGO_BYTES = 512 * 1024;
/**
 * Pixels a logo may declare. A PNG compresses a plain picture a thousandfold, so the 512 KiB cap
 * does not bound what a decode costs: a PNG of tens of KB can declare 4096x4096. Decoding is paid at
 * upload (once, to scale the logo down) and, for logos stored before uploads were scaled, once
 * per render. Scaling with resvg to 1024 px grew memory (Node, measured) by about 27 MB for a
 * 1 MP source, 41 to 46 MB for 4 MP (2048x2048: 0.4 to 1 s), 58 MB for 8.4 MP and 93 MB for
 * 16.8 MP (4096x4096), in a 128 MB isolate. 4 MP keeps an upload under the 64 MB a 5000 px render
 * may take and still admits a 2048 px icon or a 2560x1600 screenshot.
 */
export const MAX_LOGO_PIXELS = 2048 * 2048;
/**
 * Side a stored logo is scaled down to. At 5000 px the default logo box is about 1600 px square
 * (imageOptionsImageSize 0.4 at level H): a mark scaled up from 1024 px still prints clean, and
 * decoding it takes 4 MB where a 4096 px logo took 64 MB.
 */
export const MAX_LOGO_SIDE = 1024;

export interface ImageHeader {
  mime: "image/png" | "image/jpeg";
  width: number;
  height: number;
}

/** Type and pixel size from a PNG's IHDR or a JPEG's start-of-frame marker, without decoding; null when neither is there. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 24 && view.getUint32(0) === 0x89504e47 && view.getUint32(4) === 0x0d0a1a0a && view.getUint32(12) === 0x49484452)
    return { mime: "image/png", width: view.getUint32(16), height: view.getUint32(20) };
  if (bytes.length >= 4 && view.getUint16(0) === 0xffd8) return readJpegSize(view);
  return null;
}

const dimensions = (header: ImageHeader) => `${header.width}x${header.height}`;

/**
 * Why a logo of this header cannot be decoded at all, or null: no size, a zero side, or more
 * pixels than MAX_LOGO_PIXELS (then `advice` says what to do, for where it was sent).
 */
export function logoHeaderProblem(header: ImageHeader | null, advice: string): string | null {
  if (!header) return "Logo must be a PNG or JPEG image";
  if (header.width < 1 || header.height < 1) return `Logo dimensions must be at least 1 pixel (this one declares ${dimensions(header)})`;
  if (header.width * header.height > MAX_LOGO_PIXELS)
    return `Logo images may have at most ${MAX_LOGO_PIXELS} pixels (2048x2048, or any shape of that area); this one is ${dimensions(header)}; ${advice}`;
  return null;
}

/** Reads type and pixel size from a PNG or JPEG header without decoding the image. */
export function sniffRasterImage(bytes: Uint8Array): RasterImage {
  if (bytes.length > MAX_LOGO_BYTES) throw new QrError("INVALID_IMAGE", `Logo images are limited to ${MAX_LOGO_BYTES} bytes`, "uploadedImage");
  const header = readImageHeader(bytes);
  // Logos stored before uploads were checked can be too large; a new upload is checked and scaled.
  const problem = logoHeaderProblem(header, "scale it down, upload it again and use the new upload");
  if (problem || !header) throw new QrError("INVALID_IMAGE", problem ?? "Logo must be a PNG or JPEG image", "uploadedImage");
  return { kind: "raster", bytes, ...header };
}

function readJpegSize(view: DataView): ImageHeader | null {
  let offset = 2;
  while (offset + 9 < view.byteLength) {
    if (view.getUint8(offset) !== 0xff) return null;
    const marker = view.getUint8(offset + 1);
    // A marker may be preceded by any number of 0xFF fill bytes (ITU T.81 B.1.1.2).
    if (marker === 0xff) {
      offset++;
      continue;
    }
    // Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return { mime: "image/jpeg", height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
    offset += 2 + view.getUint16(offset + 2);
  }
  return null;
}
