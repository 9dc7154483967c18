import { MAX_LOGO_BYTES } from "../src/qr";
import { RgbPngStream } from "../src/qr/png";

/**
 * The worst logos the API accepts, made here so the bench needs no files: as many pixels as the
 * check allows and as much entropy as the byte cap leaves room for. Each row starts with random
 * pixels (deflate cannot shrink them) and ends in a flat colour, sized so the file lands just
 * under MAX_LOGO_BYTES. Rows are encoded as they are made, so making one costs a few MB at most
 * and does not raise the peak a case then measures.
 */
export async function worstLogo(width: number, height: number): Promise<Uint8Array> {
  // Random bytes are stored at about their own size; the framing takes a few percent more, so
  // the first try is trimmed by what it overshot.
  let noisy = Math.min(width, Math.floor(MAX_LOGO_BYTES / (3 * height)));
  for (let attempt = 0; attempt < 5; attempt++) {
    const bytes = await encode(width, height, noisy);
    if (bytes.length <= MAX_LOGO_BYTES) return bytes;
    noisy = Math.floor((noisy * MAX_LOGO_BYTES) / bytes.length) - 1;
  }
  throw new Error(`no ${width}x${height} logo fits ${MAX_LOGO_BYTES} bytes`);
}

async function encode(width: number, height: number, noisy: number): Promise<Uint8Array> {
  const png = new RgbPngStream(width, height);
  const rows = Math.max(1, Math.floor((256 * 1024) / (width * 3)));
  const strip = new Uint8Array(rows * width * 3);
  let state = 0x9e3779b9;
  for (let top = 0; top < height; top += rows) {
    const count = Math.min(rows, height - top);
    for (let r = 0; r < count; r++)
      for (let x = 0, o = r * width * 3; x < width; x++, o += 3) {
        if (x < noisy) {
          // xorshift32: cheap, deterministic noise.
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          strip[o] = state & 0xff;
          strip[o + 1] = (state >>> 8) & 0xff;
          strip[o + 2] = (state >>> 16) & 0xff;
        } else {
          strip[o] = 30;
          strip[o + 1] = 58;
          strip[o + 2] = 138;
        }
      }
    await png.writeRgb(strip, count);
  }
  return await png.finish();
}
