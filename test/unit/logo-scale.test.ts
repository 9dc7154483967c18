import "../support/engine-node";
import { describe, expect, it } from "vitest";
import { MAX_LOGO_PIXELS, normalizeLogo, sniffRasterImage } from "../../src/qr";
import { readImageHeader } from "../../src/qr/image";
import { encodeLargePng, ringLogo } from "../support/big-png";
import { readPngWithPngjs } from "../support/decode";

/** A PNG that declares `width` x `height` and carries no picture at all: only its header can be read. */
function declaredPng(width: number, height: number): Uint8Array {
  const png = ringLogo(4, 4);
  const view = new DataView(png.buffer, png.byteOffset);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return png;
}

/** A baseline JPEG's bytes up to its start of frame, declaring `width` x `height`, with fill bytes before the marker. */
function declaredJpeg(width: number, height: number): Uint8Array {
  const app0 = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
  const sof0 = [0xff, 0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  return Uint8Array.from([0xff, 0xd8, ...app0, ...sof0, 0xff, 0xd9]);
}

/** 1200x48, left half teal (14, 116, 144), right half white, 644 bytes (made with sharp, quality 60). */
const WIDE_JPEG = Uint8Array.from(
  atob(
    "/9j/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxOUlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT0//wAARCAAwBLADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAAAAcF/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/EABYBAQEBAAAAAAAAAAAAAAAAAAAEBf/EABgRAQEAAwAAAAAAAAAAAAAAAAAEQUKB/9oADAMBAAIRAxEAPwDHAaTBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAFmRlZk1GF8O3ABMvAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAARkBpMEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWZGVmTUYXw7cAEy8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABGQGkwQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABZkZWZNRhfDtwATLwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAH/9k=",
  ),
  (c) => c.charCodeAt(0),
);

const pixel = (image: { data: Uint8Array; width: number }, x: number, y: number) => [...image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4)];

describe("logo headers", () => {
  it("give PNG and JPEG sizes without decoding, past JPEG fill bytes", () => {
    expect(readImageHeader(declaredPng(4096, 4096))).toEqual({ mime: "image/png", width: 4096, height: 4096 });
    expect(readImageHeader(declaredJpeg(4000, 3000))).toEqual({ mime: "image/jpeg", width: 4000, height: 3000 });
    expect(readImageHeader(WIDE_JPEG)).toEqual({ mime: "image/jpeg", width: 1200, height: 48 });
    expect(readImageHeader(new TextEncoder().encode("<svg/>"))).toBeNull();
  });

  it("a stored logo over the pixel bound is refused for rendering, with what to do", () => {
    expect(() => sniffRasterImage(declaredPng(4096, 4096))).toThrow(/at most 4194304 pixels .*this one is 4096x4096; scale it down, upload it again/);
    expect(() => sniffRasterImage(declaredPng(2048, 2048))).not.toThrow();
    expect(() => sniffRasterImage(declaredPng(0, 10))).toThrow(/at least 1 pixel/);
  });
});

describe("normalizeLogo: what is stored for an uploaded logo", () => {
  it("refuses more than MAX_LOGO_PIXELS from the header alone: a 4096 px ring of a few hundred KB, or a header with no picture", async () => {
    const ring = ringLogo(4096, 4096);
    expect(ring.length).toBeLessThan(512 * 1024);
    await expect(normalizeLogo(ring)).rejects.toThrow(/at most 4194304 pixels .*this one is 4096x4096; scale it down and send it again/);
    // Nothing is decoded: a header that declares too much is refused the same way, not as undecodable.
    await expect(normalizeLogo(declaredPng(2049, 2048))).rejects.toThrow(/this one is 2049x2048/);
    await expect(normalizeLogo(declaredJpeg(4000, 3000))).rejects.toThrow(/this one is 4000x3000/);
    expect(2048 * 2048).toBe(MAX_LOGO_PIXELS);
  });

  it("keeps a logo of at most 1024 px a side as it is", async () => {
    const small = ringLogo(1024, 600);
    const result = await normalizeLogo(small);
    expect(result).toMatchObject({ scaled: false, width: 1024, height: 600 });
    expect(result.bytes).toBe(small);
  });

  it("scales a larger PNG to 1024 px on its long side, aspect kept, as a PNG of the same picture", async () => {
    const result = await normalizeLogo(ringLogo(2048, 1536));
    expect(result).toMatchObject({ scaled: true, width: 1024, height: 768 });
    const stored = readPngWithPngjs(result.bytes);
    expect([stored.width, stored.height]).toEqual([1024, 768]);
    // The ring is where it was, scaled: teal on it, transparent in its middle and corners.
    expect(pixel(stored, 512 + Math.round(768 * 0.375), 384)).toEqual([14, 116, 144, 255]);
    expect(pixel(stored, 512, 384)[3]).toBe(0);
    expect(pixel(stored, 2, 2)[3]).toBe(0);
  });

  it("scales a JPEG too, stored as PNG", async () => {
    const result = await normalizeLogo(WIDE_JPEG);
    expect(result).toMatchObject({ scaled: true, width: 1024, height: 41 });
    const stored = readPngWithPngjs(result.bytes);
    expect(readImageHeader(result.bytes)).toEqual({ mime: "image/png", width: 1024, height: 41 });
    const [r, g, b] = pixel(stored, 200, 20);
    expect(Math.abs(r! - 14) + Math.abs(g! - 116) + Math.abs(b! - 144)).toBeLessThan(24);
    expect(pixel(stored, 800, 20).slice(0, 3).every((v) => v! > 240)).toBe(true);
  });

  it("refuses a large picture it cannot decode instead of storing an empty one", async () => {
    const broken = ringLogo(2000, 1000).slice(0, 200);
    await expect(normalizeLogo(broken)).rejects.toThrow(/could not be decoded/);
  });

  it("scales again, smaller, when the scaled PNG is over the byte cap, until it fits", async () => {
    // 8 px blocks of random colours: small as given, several times heavier once resampled.
    let seed = 1;
    const blocks = encodeLargePng(2048, 1024, (y, out) => {
      if (y % 8 !== 0) return;
      for (let x = 0; x < 2048; x += 8) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        for (let k = 0; k < 8; k++) out.set([seed & 255, (seed >>> 8) & 255, (seed >>> 16) & 255, 255], (x + k) * 4);
      }
    });
    const result = await normalizeLogo(blocks, 100_000);
    expect(result.scaled).toBe(true);
    expect(result.bytes.length).toBeLessThanOrEqual(100_000);
    expect(result.width).toBeLessThan(1024);
    expect(result.width / result.height).toBeCloseTo(2, 1);
    // A cap under what any PNG takes cannot be met at all: a clear refusal, not a loop.
    await expect(normalizeLogo(blocks, 60)).rejects.toThrow(/still \d+ bytes as PNG, over 60/);
  });
});
