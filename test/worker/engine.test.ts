// The engine inside workerd: resvg from the bundled .wasm module, zlib from CompressionStream.
import "../../src/index";
import { describe, expect, it } from "vitest";
import { AppearanceSchema, renderQrPng, renderQrSvg } from "../../src/qr";
import { expectScans, expectSvgScans, readPng } from "../support/decode";

const URL = "https://qr.example.com/r/aZ3kP9qL";

describe("QR engine in workerd", () => {
  it("renders a plain code through the indexed PNG path", async () => {
    const { bytes } = await renderQrPng({ content: URL, appearance: AppearanceSchema.parse({}), size: 500 });
    expect(bytes[25]).toBe(3);
    await expectScans(bytes, URL);
  });

  it("rasterizes a styled code with the bundled resvg module", async () => {
    const appearance = AppearanceSchema.parse({
      dotsOptionsType: "classy-rounded",
      dotsOptionsGradientType: "radial",
      dotsOptionsGradientColorStops: [
        { offset: 0, color: "#0f172a" },
        { offset: 1, color: "#1d4ed8" },
      ],
      cornersSquareOptionsType: "extra-rounded",
      cornersDotOptionsType: "dot",
      qrOptionsErrorCorrectionLevel: "H",
    });
    const request = { content: URL, appearance, size: 640, image: { kind: "icon" as const, key: "wifi" } };
    const { bytes } = await renderQrPng(request);
    const image = readPng(bytes);
    expect([image.width, image.height]).toEqual([640, 640]);
    await expectScans(bytes, URL);
    await expectSvgScans(renderQrSvg(request).svg, 640, URL);
  });

  it("renders a 3000 px styled code in strips within the isolate's memory", async () => {
    const { bytes } = await renderQrPng({ content: URL, appearance: AppearanceSchema.parse({ dotsOptionsType: "rounded" }), size: 3000 });
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([3000, 3000]);
  });
});
