import { deflateSync, inflateSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Adler32, huffmanLengths, ScanlineDeflater } from "../../src/qr/deflate";
import { AppearanceSchema, planRender } from "../../src/qr";
import { renderPlainPng } from "../../src/qr/plain";
import { encodeIndexedPng, type Rgb } from "../../src/qr/png";
import { readPngWithPngjs } from "../support/decode";

/** Node's zlib (not ours) inflates the stream, checking Huffman tables, distances and Adler-32. */
const inflate = (z: Uint8Array) => new Uint8Array(inflateSync(z));

type Step = { kind: "line"; bytes: number[] } | { kind: "repeat"; times: number };

function deflateSteps(stride: number, steps: Step[]): { z: Uint8Array; expected: Uint8Array } {
  const deflater = new ScanlineDeflater(stride);
  const expected: number[] = [];
  let last: number[] | null = null;
  for (const step of steps) {
    if (step.kind === "line") {
      deflater.addLine(Uint8Array.from(step.bytes));
      expected.push(...step.bytes);
      last = step.bytes;
    } else if (last) {
      deflater.repeatLine(step.times);
      for (let k = 0; k < step.times; k++) expected.push(...last);
    }
  }
  return { z: deflater.finish(), expected: Uint8Array.from(expected) };
}

/** The concatenated IDAT data of a PNG: the zlib stream. */
function idatOf(png: Uint8Array): Uint8Array {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const parts: number[] = [];
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    if (String.fromCharCode(...png.subarray(at + 4, at + 8)) === "IDAT") parts.push(...png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return Uint8Array.from(parts);
}

describe("scanline deflate", () => {
  it("round-trips arbitrary lines and repeats through zlib's inflate", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600 }).chain((stride) =>
          fc.tuple(
            fc.constant(stride),
            fc.array(
              fc.oneof(
                // Few distinct byte values make runs and matches against the line above likely.
                fc.array(fc.integer({ min: 0, max: 3 }), { minLength: stride, maxLength: stride }).map((b) => ({ kind: "line" as const, bytes: b.map((v) => v * 85) })),
                fc.array(fc.integer({ min: 0, max: 255 }), { minLength: stride, maxLength: stride }).map((bytes) => ({ kind: "line" as const, bytes })),
                fc.integer({ min: 1, max: 40 }).map((times) => ({ kind: "repeat" as const, times })),
              ),
              { maxLength: 30 },
            ),
          ),
        ),
        ([stride, steps]) => {
          const { z, expected } = deflateSteps(stride, steps);
          expect(inflate(z)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("handles lines of one and two bytes, whose repeats are shorter than a match", () => {
    for (const stride of [1, 2])
      for (const times of [1, 2, 3, 300]) {
        const { z, expected } = deflateSteps(stride, [{ kind: "line", bytes: Array.from({ length: stride }, (_, i) => 7 + i) }, { kind: "repeat", times }]);
        expect(inflate(z)).toEqual(expected);
      }
  });

  it("spans several blocks and lines longer than the 32 KB window", () => {
    const noisy = (seed: number, length: number) => Array.from({ length }, (_, i) => (i * 2654435761 + seed * 40503) >>> 24);
    // 200 noisy lines of 1 KB: far more tokens than one block holds.
    const many: Step[] = Array.from({ length: 200 }, (_, i) => ({ kind: "line", bytes: noisy(i, 1024) }));
    const a = deflateSteps(1024, many);
    expect(inflate(a.z)).toEqual(a.expected);
    // A 40,000-byte line cannot be matched one line back; its repeats are sent again in full.
    const b = deflateSteps(40_000, [{ kind: "line", bytes: noisy(1, 40_000) }, { kind: "repeat", times: 2 }]);
    expect(inflate(b.z)).toEqual(b.expected);
  });

  it("refuses a line of the wrong length and a repeat before any line", () => {
    expect(() => new ScanlineDeflater(4).addLine(new Uint8Array(3))).toThrow(RangeError);
    expect(() => new ScanlineDeflater(4).repeatLine(1)).toThrow(RangeError);
  });

  it("round-trips streams longer than the window, with lines that recur far back and long runs", () => {
    // Lines drawn from a few patterns recur at many distances, up to and past 32 KB; long repeats
    // make the window start over; runs longer than a run key (255) and than one run scan.
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 1500 }).chain((stride) =>
          fc.tuple(
            fc.constant(stride),
            fc.array(
              fc.oneof(
                fc.nat({ max: 4 }).map((pattern) => ({ kind: "pattern" as const, pattern })),
                fc.integer({ min: 1, max: 120 }).map((times) => ({ kind: "repeat" as const, times })),
              ),
              { minLength: 1, maxLength: 30 },
            ),
          ),
        ),
        ([stride, picks]) => {
          const patterns = [
            (i: number) => (i % 97 < 40 ? 0 : 0xff), // long runs either way
            (i: number) => ((i * 2654435761) >>> 24) & 0xf0, // noisy
            () => 0, // blank
            (i: number) => (i < stride / 2 ? 0xff : (i * 7) & 0xff),
            (i: number) => (Math.floor(i / 13) % 3 === 0 ? 0x1f : 0),
          ];
          const steps: Step[] = picks.map((pick) => (pick.kind === "pattern" ? { kind: "line", bytes: Array.from({ length: stride }, (_, i) => patterns[pick.pattern]!(i)) } : pick));
          const { z, expected } = deflateSteps(stride, steps);
          // Buffer.compare: toEqual on megabytes is slow.
          expect(Buffer.compare(inflate(z), expected)).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("reaches exactly 32 KB back, and never further", () => {
    const noisy = (seed: number, length: number) => Array.from({ length }, (_, i) => ((i + 1) * 2654435761 + seed * 40503) >>> 24);
    // Lines of 16 KB: the line two back is exactly 32,768 bytes away, the one three back too far.
    const a = noisy(1, 16_384);
    const b = noisy(2, 16_384);
    const c = noisy(3, 16_384);
    const steps: Step[] = [a, b, a, c, b, a, a, c].map((bytes) => ({ kind: "line", bytes }));
    const window = deflateSteps(16_384, steps);
    expect(inflate(window.z)).toEqual(window.expected);
    // A 32,768-byte line repeats from exactly one stride back; one byte longer cannot.
    for (const stride of [32_768, 32_769]) {
      const { z, expected } = deflateSteps(stride, [{ kind: "line", bytes: noisy(4, stride) }, { kind: "repeat", times: 2 }, { kind: "line", bytes: noisy(5, stride) }]);
      expect(inflate(z)).toEqual(expected);
    }
    // Lines a few bytes either side of the window, repeated a little and a lot.
    for (const stride of [32_766, 32_767, 32_768 - 258, 10_923])
      for (const times of [1, 3, 40]) {
        const { z, expected } = deflateSteps(stride, [
          { kind: "line", bytes: noisy(stride, stride) },
          { kind: "repeat", times },
          { kind: "line", bytes: noisy(stride + 1, stride) },
          { kind: "line", bytes: noisy(stride, stride) },
        ]);
        expect(inflate(z)).toEqual(expected);
      }
  });

  it("finds a line that recurs rows later, so a code's repeated patterns cost little", () => {
    const noisy = (seed: number) => Array.from({ length: 200 }, (_, i) => ((i + 1) * 2654435761 + seed * 40503) >>> 24);
    // Ten lines of noise, each repeated 5 times, then the same ten again: the second half is a
    // few matches 10 KB back, not 2,000 literals.
    const half: Step[] = Array.from({ length: 10 }, (_, k): Step[] => [{ kind: "line", bytes: noisy(k) }, { kind: "repeat", times: 4 }]).flat();
    const once = deflateSteps(200, half);
    const twice = deflateSteps(200, [...half, ...half]);
    expect(inflate(twice.z)).toEqual(twice.expected);
    expect(twice.z.length - once.z.length).toBeLessThan(100);
  });

  it("refuses lines after finish", () => {
    const deflater = new ScanlineDeflater(4);
    deflater.addLine(new Uint8Array(4));
    deflater.finish();
    expect(() => deflater.addLine(new Uint8Array(4))).toThrow(RangeError);
    expect(() => deflater.finish()).toThrow(RangeError);
  });

  it("keeps a plain 500 px code's image data within 5% of zlib level 9 on the same raster", () => {
    // The bench's plain code. Sizes are deterministic: this fails when compression regresses.
    const appearance = AppearanceSchema.parse({ qrOptionsErrorCorrectionLevel: "Q" });
    for (const size of [300, 500, 1000]) {
      const png = renderPlainPng(planRender({ content: "https://qr.example.com/r/aZ3kP9qL?utm_source=print", appearance, size, errorCorrectionFixed: true }));
      const ours = idatOf(png);
      const zlib9 = deflateSync(inflateSync(ours), { level: 9 });
      expect(ours.length / zlib9.length, `${size} px: ${ours.length} bytes against zlib's ${zlib9.length}`).toBeLessThanOrEqual(1.05);
    }
  });

  it("codes a plain 500 px code in a small fraction of its raw bytes", () => {
    // 45 distinct lines of 63 bytes, each repeated 10 times, as a QR code's rows are.
    const steps: Step[] = [];
    for (let row = 0; row < 45; row++) {
      steps.push({ kind: "line", bytes: [0, ...Array.from({ length: 62 }, (_, i) => (((row * 7 + i) * 2654435761) >>> 31 ? 0xff : 0))] });
      steps.push({ kind: "repeat", times: 9 });
    }
    const { z, expected } = deflateSteps(63, steps);
    expect(inflate(z)).toEqual(expected);
    expect(z.length).toBeLessThan(expected.length / 10);
  });
});

describe("Huffman code lengths", () => {
  const kraft = (lengths: Uint8Array) => lengths.reduce((sum, l) => sum + (l ? 2 ** -l : 0), 0);

  it("stay within the limit and form a complete code, even for Fibonacci frequencies", () => {
    // Fibonacci weights make the unlimited Huffman tree as deep as there are symbols.
    const fib = [1, 1];
    while (fib.length < 30) fib.push(fib.at(-1)! + fib.at(-2)!);
    const lengths = huffmanLengths(Uint32Array.from(fib), 15);
    expect(Math.max(...lengths)).toBe(15);
    expect(kraft(lengths)).toBe(1);
    // More frequent symbols never get longer codes.
    for (let i = 1; i < fib.length; i++) expect(lengths[i]!).toBeLessThanOrEqual(lengths[i - 1]!);
  });

  it("give a lone symbol a partner so the code is complete", () => {
    const lengths = huffmanLengths(Uint32Array.from([0, 0, 9, 0]), 7);
    expect([...lengths].filter((l) => l > 0)).toEqual([1, 1]);
    expect(lengths[2]).toBe(1);
  });

  it("are complete for any frequencies", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 100_000 }), { minLength: 2, maxLength: 286 }), fc.integer({ min: 7, max: 15 }), (frequencies, maxBits) => {
        fc.pre(frequencies.length <= 2 ** maxBits);
        const lengths = huffmanLengths(Uint32Array.from(frequencies), maxBits);
        expect(Math.max(...lengths)).toBeLessThanOrEqual(maxBits);
        expect(kraft(lengths)).toBe(1);
        frequencies.forEach((f, s) => f > 0 && expect(lengths[s]).toBeGreaterThan(0));
      }),
    );
  });
});

describe("Adler-32", () => {
  it("appending a block by its sums equals summing its bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000 }), fc.uint8Array({ minLength: 1, maxLength: 6000 }), fc.integer({ min: 1, max: 5 }), (prefix, line, times) => {
        const direct = new Adler32();
        direct.update(prefix);
        for (let k = 0; k < times; k++) direct.update(line);
        const bySums = new Adler32();
        bySums.update(prefix);
        const sum = line.reduce((s, b) => s + b, 0) % 65521;
        const weighted = line.reduce((s, b, i) => s + (line.length - i) * b, 0) % 65521;
        for (let k = 0; k < times; k++) bySums.append(line.length, sum, weighted);
        expect(bySums.value).toBe(direct.value);
      }),
    );
  });

  it("matches the reference value for 'Wikipedia'", () => {
    const adler = new Adler32();
    adler.update(new TextEncoder().encode("Wikipedia"));
    expect(adler.value).toBe(0x11e60398);
  });
});

describe("indexed PNG", () => {
  it("decodes (pngjs) to exactly the palette colours given, at every bit depth and odd widths", () => {
    for (const colours of [2, 3, 5, 17])
      for (const width of [1, 7, 9, 33]) {
        const palette: Rgb[] = Array.from({ length: colours }, (_, i) => [(i * 53) % 256, (i * 101) % 256, (i * 197) % 256]);
        const height = 12;
        const rows = Array.from({ length: height / 3 }, (_, r) => Uint8Array.from({ length: width }, (_, x) => (x * 7 + r * 3) % colours));
        // Each row object is returned three times in a row: the encoder's repeat path.
        const png = encodeIndexedPng(width, height, palette, (y) => rows[Math.floor(y / 3)]!);
        const image = readPngWithPngjs(png);
        expect([image.width, image.height]).toEqual([width, height]);
        for (let y = 0; y < height; y++)
          for (let x = 0; x < width; x++) {
            const i = (y * width + x) * 4;
            expect([...image.data.slice(i, i + 3)]).toEqual(palette[rows[Math.floor(y / 3)]![x]!]);
          }
      }
  });
});
