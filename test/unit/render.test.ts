import "../support/engine-node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AppearanceSchema,
  CORNER_DOT_TYPES,
  CORNER_SQUARE_TYPES,
  DOT_TYPES,
  encodeQr,
  planRender,
  QrError,
  renderQrPng,
  renderQrSvg,
  sniffRasterImage,
  type AppearanceInput,
  type CenterImage,
  type PlanRequest,
} from "../../src/qr";
import { isPlain } from "../../src/qr/plain";
import { encodeIndexedPng } from "../../src/qr/png";
import { decodePng, expectScans, expectSvgScans, readPngWithPngjs } from "../support/decode";

const URL = "https://qr.example.com/r/aZ3kP9qL";
const GRADIENT = [
  { offset: 0, color: "#1e3a8a" },
  { offset: 1, color: "#6d28d9" },
];
const SIZES = [100, 300, 1000] as const;

const request = (appearance: AppearanceInput, size: number, image: CenterImage | null = null, content = URL): PlanRequest => ({
  content,
  appearance: AppearanceSchema.parse(appearance),
  size,
  image,
});

async function checkerLogo(): Promise<CenterImage> {
  const rows = Array.from({ length: 8 }, (_, y) => Uint8Array.from({ length: 64 }, (_, x) => ((x >> 3) + y) % 2));
  return sniffRasterImage(encodeIndexedPng(64, 64, [[255, 255, 255], [220, 38, 38]], (y) => rows[(y >> 3) % 8]!));
}

describe("styled codes scan at every size", () => {
  // Every dot type against every corner-square type (and null), each variant at one of the sizes,
  // rotating so that every combination of dot type and size is covered too.
  const cases: { name: string; appearance: AppearanceInput; size: number; withImage: boolean }[] = [];
  let i = 0;
  for (const dotsOptionsType of DOT_TYPES)
    for (const cornersSquareOptionsType of [null, ...CORNER_SQUARE_TYPES])
      for (const variant of ["plain", "gradient", "image", "gradient+image"] as const) {
        const cornersDotOptionsType = [null, ...CORNER_DOT_TYPES][i % 8]!;
        const gradient = variant.includes("gradient");
        const size = SIZES[i++ % 3]!;
        cases.push({
          name: `${dotsOptionsType} / ${cornersSquareOptionsType ?? "default"} / ${cornersDotOptionsType ?? "default"} / ${variant} @ ${size}px`,
          size,
          withImage: variant.includes("image"),
          appearance: {
            dotsOptionsType,
            cornersSquareOptionsType,
            cornersDotOptionsType,
            ...(gradient
              ? {
                  dotsOptionsGradientType: i % 2 ? "linear" : "radial",
                  dotsOptionsGradientRotation: (i % 4) * 0.8,
                  dotsOptionsGradientColorStops: GRADIENT,
                  cornersSquareOptionsGradientType: "linear",
                  cornersSquareOptionsGradientColorStops: [
                    { offset: 0, color: "#000000" },
                    { offset: 1, color: "#be123c" },
                  ],
                  cornersDotOptionsColor: "#0f172a",
                  backgroundOptionsGradientType: "radial",
                  backgroundOptionsGradientColorStops: [
                    { offset: 0, color: "#ffffff" },
                    { offset: 1, color: "#e0f2fe" },
                  ],
                }
              : {}),
            predefinedImage: variant === "image" ? "link" : null,
          },
        });
      }

  it.each(cases)("$name", async ({ appearance, size, withImage }) => {
    const image: CenterImage | null = withImage ? (appearance.predefinedImage ? { kind: "icon", key: "link" } : await checkerLogo()) : null;
    const req = request(appearance, size, image);
    const { svg } = renderQrSvg(req);
    const { bytes } = await renderQrPng(req);
    const decoded = readPngWithPngjs(bytes);
    expect([decoded.width, decoded.height]).toEqual([size, size]);
    await expectScans(bytes, URL);
    await expectSvgScans(svg, size, URL);
  });

  it.each([120, 300, 1000])("circle shape with decorative fill at %ipx", async (size) => {
    const req = request({ shape: "circle", dotsOptionsType: "dots", cornersSquareOptionsType: "extra-rounded", cornersDotOptionsType: "dot" }, size);
    await expectScans((await renderQrPng(req)).bytes, URL);
  });

  it("refuses a circle too small for two pixels per module", () => {
    expect(() => planRender(request({ shape: "circle" }, 100))).toThrow(/33-module code with a 10 px margin needs an image of at least 114 px/);
  });
});

describe("plain codes", () => {
  it("take the direct indexed PNG path, exact size, and scan", async () => {
    for (const size of [100, 333, 1000]) {
      const req = request({ cornersSquareOptionsColor: "#1d4ed8", cornersDotOptionsColor: "#b91c1c" }, size);
      expect(isPlain(planRender(req))).toBe(true);
      const { bytes } = await renderQrPng(req);
      expect(bytes[25]).toBe(3); // colour type 3: indexed
      expect(readPngWithPngjs(bytes).width).toBe(size);
      await expectScans(bytes, URL);
    }
  });

  it("match the SVG path pixel for pixel", async () => {
    // The plain encoder must draw exactly what the SVG describes (no anti-aliasing at whole pixels).
    const req = request({ dotsOptionsColor: "#112233", backgroundOptionsColor: "#f8fafc" }, 290);
    const direct = readPngWithPngjs((await renderQrPng(req)).bytes);
    const viaSvg = readPngWithPngjs(
      (await renderQrPng({ ...req, appearance: { ...req.appearance, dotsOptionsGradientType: "linear", dotsOptionsGradientColorStops: [{ offset: 0, color: "#112233" }, { offset: 1, color: "#112233" }] } })).bytes,
    );
    expect(Buffer.compare(Buffer.from(direct.data), Buffer.from(viaSvg.data))).toBe(0);
  });

  it("are not used once anything needs the rasterizer", () => {
    for (const appearance of [{ dotsOptionsType: "rounded" }, { shape: "circle" }, { dotsOptionsRoundSize: false }, { cornersSquareOptionsType: "dot" }] as const)
      expect(isPlain(planRender(request(appearance, 300)))).toBe(false);
    expect(isPlain(planRender(request({}, 300, { kind: "icon", key: "wifi" })))).toBe(false);
  });

  it("render a 5000 px code in strips with the exact size", async () => {
    const { bytes } = await renderQrPng(request({ dotsOptionsType: "rounded" }, 5000));
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([5000, 5000]);
  });
});

describe("centre images stay within error correction", () => {
  it("raises the level for a logo when the level was not fixed", () => {
    const plan = planRender({ ...request({ qrOptionsErrorCorrectionLevel: "L", imageOptionsImageSize: 0.5 }, 600, { kind: "icon", key: "star" }) });
    expect(["M", "Q", "H"]).toContain(plan.matrix.errorCorrectionLevel);
  });

  it("refuses with a clear error when the level is fixed and the logo is too large", () => {
    const req = { ...request({ qrOptionsErrorCorrectionLevel: "L", imageOptionsImageSize: 1 }, 600, { kind: "icon", key: "star" }), errorCorrectionFixed: true };
    const error = (() => {
      try {
        planRender(req);
      } catch (err) {
        return err as QrError;
      }
    })();
    expect(error?.code).toBe("IMAGE_TOO_LARGE");
    expect(error?.field).toBe("imageOptionsImageSize");
  });

  it("the damage model tracks real decoders: codes past full capacity stop scanning", async () => {
    // A black-and-white noise logo is the worst case: every module under it reads as noise.
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const rows = Array.from({ length: 48 }, () => Uint8Array.from({ length: 48 }, () => (random() < 0.5 ? 1 : 0)));
    const noise = sniffRasterImage(encodeIndexedPng(48, 48, [[255, 255, 255], [0, 0, 0]], (y) => rows[y]!));
    // Versions 4 (Q) and 5 (H): no alignment pattern near the centre, so only the budget decides.
    const content = "https://example.com/some/path?q=1234567890";
    let failures = 0;
    for (const level of ["Q", "H"] as const)
      for (const imageOptionsImageSize of [0.4, 0.6, 0.8, 1]) {
        const base = { ...request({ qrOptionsErrorCorrectionLevel: level, imageOptionsImageSize, margin: 20 }, 600, noise, content), errorCorrectionFixed: true };
        expect(encodeQr(content, { errorCorrectionLevel: level, errorCorrectionFixed: true }).version).toBeLessThan(7);
        try {
          // Within our budget: must scan.
          await expectScans((await renderQrPng(base)).bytes, content);
        } catch (err) {
          if (!(err instanceof QrError)) throw err;
          // Refused by us; past 1.5x the capacity decoders should fail, proving the refusal was needed.
          const over = await renderQrPng({ ...base, damageBudget: 1.5 }).catch((e: unknown) => {
            if (e instanceof QrError) return null; // too much even at 1.5x
            throw e;
          });
          if (!over) continue;
          const result = await decodePng(over.bytes);
          if (result.zxing[0] !== content || result.jsqr !== content) failures++;
        }
      }
    expect(failures).toBeGreaterThan(0);
  });
});

describe("bad input is a typed error, never a crash", () => {
  const bad: [string, AppearanceInput | Record<string, unknown>][] = [
    ["colour without #", { dotsOptionsColor: "000000" }],
    ["three-digit colour", { backgroundOptionsColor: "#fff" }],
    ["named colour", { cornersSquareOptionsColor: "red" }],
    ["unknown dot type", { dotsOptionsType: "hearts" }],
    ["unknown corner type", { cornersDotOptionsType: "star" }],
    ["shape", { shape: "triangle" }],
    ["version 41", { qrOptionsTypeNumber: 41 }],
    ["negative margin", { margin: -1 }],
    ["image size over 1", { imageOptionsImageSize: 1.5 }],
    ["mode", { qrOptionsMode: "Binary" }],
    ["level", { qrOptionsErrorCorrectionLevel: "X" }],
    ["gradient without stops", { dotsOptionsGradientType: "linear" }],
    ["stops without a type", { dotsOptionsGradientColorStops: GRADIENT }],
    ["one stop", { dotsOptionsGradientType: "radial", dotsOptionsGradientColorStops: [GRADIENT[0]] }],
  ];
  it.each(bad)("%s", (_name, input) => {
    const result = AppearanceSchema.safeParse(input);
    expect(result.success).toBe(false);
  });

  const refuse = (req: PlanRequest, code: string, field: string) => {
    try {
      planRender(req);
    } catch (err) {
      expect(err).toBeInstanceOf(QrError);
      expect((err as QrError).code).toBe(code);
      expect((err as QrError).field).toBe(field);
      return;
    }
    throw new Error(`expected ${code}`);
  };

  it("refuses sizes out of range and canvases too small for the symbol", () => {
    for (const size of [0, 9, 5001, 100.5]) refuse(request({}, size), "CANVAS_TOO_SMALL", "size");
    refuse(request({ margin: 10 }, 40, null, "x".repeat(200)), "CANVAS_TOO_SMALL", "size");
  });

  it("refuses low contrast and light-on-dark codes", () => {
    // Steep gradients on the finder centres break finder detection (see contrast.ts for the figures).
    const centre = (type: "radial" | "linear", light: string) =>
      request({ cornersDotOptionsGradientType: type, cornersDotOptionsGradientColorStops: [{ offset: 0, color: light }, { offset: 1, color: "#000000" }] }, 300);
    refuse(centre("radial", "#444444"), "LOW_CONTRAST", "cornersDotOptionsGradientColorStops");
    refuse(centre("linear", "#777777"), "LOW_CONTRAST", "cornersDotOptionsGradientColorStops");
    expect(() => planRender(centre("radial", "#222222"))).not.toThrow();
    expect(() => planRender(centre("linear", "#555555"))).not.toThrow();
    refuse(request({ dotsOptionsColor: "#dddddd" }, 300), "LOW_CONTRAST", "dotsOptionsColor");
    refuse(request({ dotsOptionsColor: "#ffffff", backgroundOptionsColor: "#000000" }, 300), "LOW_CONTRAST", "dotsOptionsColor");
    refuse(
      request({ dotsOptionsGradientType: "linear", dotsOptionsGradientColorStops: [{ offset: 0, color: "#000000" }, { offset: 1, color: "#f0f0f0" }] }, 300),
      "LOW_CONTRAST",
      "dotsOptionsGradientColorStops",
    );
  });

  it("refuses over-capacity content", () => refuse(request({}, 1000, null, "x".repeat(3000)), "CAPACITY_EXCEEDED", "content"));

  it("refuses images that are not PNG or JPEG", () => {
    expect(() => sniffRasterImage(new TextEncoder().encode("<svg/>"))).toThrow(QrError);
    expect(() => sniffRasterImage(new Uint8Array(600 * 1024))).toThrow(/limited/);
  });

  it("property: arbitrary appearance input never crashes the engine", () => {
    const anything = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.anything(), { maxLength: 3 }));
    const keys = Object.keys(AppearanceSchema.parse({}));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), anything), fc.integer({ min: -10, max: 6000 }), fc.string({ maxLength: 200 }), (input, size, content) => {
        const parsed = AppearanceSchema.safeParse(input);
        if (!parsed.success) return;
        try {
          renderQrSvg({ content, appearance: parsed.data, size, image: null });
        } catch (err) {
          expect(err).toBeInstanceOf(QrError);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe("SVG output", () => {
  it("is one path per paint and escapes nothing it should not", () => {
    const { svg } = renderQrSvg(request({ dotsOptionsType: "rounded", cornersSquareOptionsColor: "#be123c" }, 300));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300" viewBox="0 0 300 300">')).toBe(true);
    expect(svg.match(/<path /g)?.length).toBe(2); // dots (with corner dots), corner squares
    expect(svg).not.toMatch(/<rect[^>]*(?:x|y)=/); // modules are merged paths, not rects
  });

  it("embeds raster logos as data URIs", async () => {
    const { svg } = renderQrSvg(request({}, 300, await checkerLogo()));
    expect(svg).toMatch(/<image [^>]*href="data:image\/png;base64,[A-Za-z0-9+/=]+"/);
  });
});
