import { Resvg } from "@resvg/resvg-wasm";
import { QrError } from "./errors";
import { logoHeaderProblem, MAX_LOGO_BYTES, MAX_LOGO_SIDE, readImageHeader, type RasterImage } from "./image";
import { ensureRaster, release } from "./raster";
import { rasterImageSvg } from "./svg";

/**
 * Logos are scaled down once, when they are stored, to what any render needs (MAX_LOGO_SIDE a
 * side), so a render decodes a small image whatever was uploaded. The declared size is checked
 * from the header before anything is decoded.
 */

export interface ScaledImage {
  png: Uint8Array;
  width: number;
  height: number;
}

/**
 * The image scaled (never up) to fit maxSide x maxSide, aspect kept, as a PNG. resvg draws it as
 * an <image> into a canvas of the new size: one decode of the source, its own resampling (the
 * same that draws logos into codes) and its own PNG encoder. Throws INVALID_IMAGE when the result
 * is empty: resvg draws an image it cannot decode as nothing at all.
 */
export async function scaleRasterImage(image: RasterImage, maxSide: number): Promise<ScaledImage> {
  await ensureRaster();
  const scale = Math.min(1, maxSide / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const renderer = new Resvg(rasterImageSvg(image, width, height), { font: { loadSystemFonts: false } });
  try {
    const rendered = renderer.render();
    try {
      if (rendered.width !== width || rendered.height !== height) throw new Error(`rendered ${rendered.width}x${rendered.height}, expected ${width}x${height}`);
      const pixels = rendered.pixels;
      const visible = showsAnything(pixels);
      release(pixels);
      if (!visible) throw new QrError("INVALID_IMAGE", "The logo could not be decoded (or is fully transparent)", "uploadedImage");
      return { png: rendered.asPng(), width, height };
    } finally {
      rendered.free();
    }
  } finally {
    renderer.free();
  }
}

function showsAnything(rgba: Uint8Array): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 0) return true;
  return false;
}

/**
 * The bytes to store for an uploaded or imported logo: refused (INVALID_IMAGE) when its header
 * names no size or more than MAX_LOGO_PIXELS; as they are when it fits MAX_LOGO_SIDE; otherwise
 * scaled down to fit it, as a PNG. A PNG of a photo (or of noise) can outweigh the file it came
 * from: when the scaled logo is over MAX_LOGO_BYTES it is scaled again from that result (a decode
 * of at most 1 MP), first to the side whose area should fit, then, if noise defeated that guess,
 * to one whose raw RGBA fits (a PNG is never much larger than its raw pixels).
 */
export async function normalizeLogo(
  bytes: Uint8Array,
  /** Tests lower it to reach the later passes without a megabyte of fixture. */
  maxBytes = MAX_LOGO_BYTES,
): Promise<{ bytes: Uint8Array; width: number; height: number; scaled: boolean }> {
  const header = readImageHeader(bytes);
  const problem = logoHeaderProblem(header, "scale it down and send it again");
  if (problem || !header) throw new QrError("INVALID_IMAGE", problem ?? "Logo must be a PNG or JPEG image", "uploadedImage");
  if (Math.max(header.width, header.height) <= MAX_LOGO_SIDE) return { bytes, width: header.width, height: header.height, scaled: false };
  let scaled = await scaleRasterImage({ kind: "raster", bytes, ...header }, MAX_LOGO_SIDE);
  for (const fit of [byArea, byRawSize]) {
    if (scaled.png.length <= maxBytes) break;
    scaled = await scaleRasterImage({ kind: "raster", mime: "image/png", bytes: scaled.png, width: scaled.width, height: scaled.height }, fit(scaled, maxBytes));
  }
  if (scaled.png.length > maxBytes)
    throw new QrError(
      "INVALID_IMAGE",
      `Logo scaled down to ${scaled.width}x${scaled.height} is still ${scaled.png.length} bytes as PNG, over ${maxBytes}; send a smaller or simpler image`,
      "uploadedImage",
    );
  return { bytes: scaled.png, width: scaled.width, height: scaled.height, scaled: true };
}

/** The long side at which bytes would shrink with the area, with a tenth to spare. */
const byArea = (image: ScaledImage, maxBytes: number) => Math.floor(Math.max(image.width, image.height) * Math.sqrt(maxBytes / image.png.length) * 0.9);

/** The long side at which 4 bytes a pixel, plus deflate's stored-block framing and the PNG's chunks, fit. */
function byRawSize(image: ScaledImage, maxBytes: number): number {
  const long = Math.max(image.width, image.height);
  const short = Math.min(image.width, image.height);
  const pixels = Math.max(1, (maxBytes - 1024) / 4.1);
  return Math.max(1, Math.floor(Math.sqrt((pixels * long) / short)));
}
