/** Pixel operations tests use to read very large renders the way a camera would. */
import type { RgbaImage } from "./decode";

/** Box-filters a large image down so the decoders read it at a size they are fast at. */
export function downscale(image: RgbaImage, factor: number): RgbaImage {
  const width = Math.floor(image.width / factor);
  const height = Math.floor(image.height / factor);
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) sum += image.data[((y * factor + dy) * image.width + x * factor + dx) * 4 + c]!;
        data[(y * width + x) * 4 + c] = Math.round(sum / (factor * factor));
      }
  return { data, width, height, premultiplied: image.premultiplied };
}

/**
 * A white border, as the paper a code is printed on gives it: a 10 px margin at 5000 px is 1 px
 * once read at 500 px, less quiet zone than jsQR looks for, while on paper a code never ends at
 * its own edge.
 */
export function onPaper(image: RgbaImage, border = 20): RgbaImage {
  const width = image.width + 2 * border;
  const data = new Uint8Array(width * (image.height + 2 * border) * 4).fill(255);
  for (let y = 0; y < image.height; y++) data.set(image.data.subarray(y * image.width * 4, (y + 1) * image.width * 4), ((y + border) * width + border) * 4);
  return { data, width, height: image.height + 2 * border, premultiplied: image.premultiplied };
}
