import "../support/engine-node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppearanceSchema, BUILTIN_ICON_KEYS, FRAME_STYLES, planRender, prepareFrame, QrError, renderPlanPng, renderPlanSvg, type AppearanceInput } from "../../src/qr";
import { captionOutline, paragraphDirection, unsupportedCharacters } from "../../src/qr/fonts/outline";
import { frameGeometry, type PathSink, planFrame } from "../../src/qr/frame";
import { UNIVERSAL_QUIET_ZONE } from "../../src/qr/plan";
import { expectScans, expectSvgScans } from "../support/decode";

/** Path data as an SVG `d`, from what a frame layer draws. */
class PathRecorder implements PathSink {
  d = "";
  points: [number, number][] = [];
  moveTo(x: number, y: number): void {
    this.d += `M${x.toFixed(2)},${y.toFixed(2)}`;
    this.points.push([x, y]);
  }
  lineTo(x: number, y: number): void {
    this.d += `L${x.toFixed(2)},${y.toFixed(2)}`;
    this.points.push([x, y]);
  }
  arcTo(r: number, sweep: 0 | 1, x: number, y: number): void {
    this.d += `A${r},${r} 0 0 ${sweep} ${x.toFixed(2)},${y.toFixed(2)}`;
    this.points.push([x, y]);
  }
  close(): void {
    this.d += "Z";
  }
}

const URL = "https://qr.example.com/r/aZ3kP9qL";
const STYLES = FRAME_STYLES.filter((s) => s !== "none");

async function framed(input: AppearanceInput, size = 400, content = URL) {
  const appearance = AppearanceSchema.parse(input);
  await prepareFrame(appearance);
  return planRender({ content, appearance, size });
}

function engineError(run: () => unknown): QrError {
  try {
    run();
  } catch (err) {
    if (err instanceof QrError) return err;
    throw err;
  }
  throw new Error("expected a QrError");
}

describe("the caption font", () => {
  it("covers Latin, Greek, Cyrillic, Hebrew and Arabic, and names what it lacks", () => {
    expect(unsupportedCharacters("SCAN ME → Ünïcödé Ωμέγα Привет סרוק אותי امسح الرمز ‏")).toEqual([]);
    expect(unsupportedCharacters("Scan 😀 中文 😀")).toEqual(["😀", "中", "文"]);
  });

  it("gives a caption the direction of its first letter", () => {
    expect(paragraphDirection("SCAN ME")).toBe("ltr");
    expect(paragraphDirection("123 סרוק")).toBe("rtl");
    expect(paragraphDirection("امسح QR")).toBe("rtl");
    expect(paragraphDirection("QR امسح")).toBe("ltr");
  });
});

describe("caption layout", () => {
  it("measures text: wider text is wider, and the same text is laid out once", async () => {
    await prepareFrame({ frameStyle: "banner-bottom" });
    const short = captionOutline("SCAN");
    const long = captionOutline("SCAN ME NOW");
    expect(long.ink.width).toBeGreaterThan(2 * short.ink.width);
    expect(captionOutline("SCAN")).toBe(short);
    // Capitals stand on the baseline and rise about a cap height above it (0.73 em).
    expect(Math.abs(short.ink.y + short.ink.height)).toBeLessThan(2); // round letters overshoot a little
    expect(-short.ink.y).toBeGreaterThan(70);
    expect(-short.ink.y).toBeLessThan(76);
  });

  it("joins Arabic letters: three joined beh are narrower than three isolated ones", async () => {
    await prepareFrame({ frameStyle: "banner-bottom" });
    const isolated = captionOutline("ب").ink.width;
    expect(captionOutline("ببب").ink.width).toBeLessThan(2.2 * isolated);
  });

  it("orders right-to-left text from the right: in 'امسح QR' the Latin word is on the left", async () => {
    await prepareFrame({ frameStyle: "banner-bottom" });
    const mixed = captionOutline("امسح QR");
    const latin = captionOutline("QR");
    const arabic = captionOutline("امسح");
    expect(mixed.ink.x).toBeCloseTo(latin.ink.x, 1);
    // and the Arabic word ends the line: its right edge is the caption's right edge
    const right = (o: typeof mixed) => o.ink.x + o.ink.width;
    expect(right(mixed) - right(arabic)).toBeGreaterThan(latin.ink.width);
    // A left-to-right caption keeps the order it was typed in.
    expect(captionOutline("QR امسح").ink.x).toBeCloseTo(latin.ink.x, 1);
  });
});

describe("planFrame", () => {
  it("keeps a design without a frame exactly as before", async () => {
    const plain = await framed({});
    expect(plain.frame).toBeUndefined();
    expect(planFrame(AppearanceSchema.parse({}), 400)).toBeNull();
  });

  it("refuses characters the font lacks, naming them", () => {
    const err = engineError(() => planFrame(AppearanceSchema.parse({ frameStyle: "banner-bottom", frameText: "Scan 😀 中" }), 400));
    expect(err.code).toBe("INVALID_APPEARANCE");
    expect(err.field).toBe("frameText");
    expect(err.message).toContain('U+1F600 "😀"');
    expect(err.message).toContain('U+4E2D "中"');
    expect(err.message).toContain("Latin, Greek, Cyrillic, Hebrew and Arabic");
  });

  it("refuses text wider than the frame with the limit, never cuts it, at every size alike", async () => {
    await prepareFrame({ frameStyle: "banner-bottom" });
    const text = "SCAN THIS CODE TO SEE OUR FULL MENU NOW";
    for (const size of [100, 400, 5000]) {
      const err = engineError(() => planFrame(AppearanceSchema.parse({ frameStyle: "banner-bottom", frameText: text }), size));
      expect(err.field).toBe("frameText");
      expect(err.message).toMatch(/^frameText is too long for the frame: at its smallest size the caption is \d+% of the width the frame leaves for it; shorten it to about \d+ characters like these \(it has 39\)$/);
    }
    // The suggested length fits.
    const err = engineError(() => planFrame(AppearanceSchema.parse({ frameStyle: "banner-bottom", frameText: text }), 400));
    const fitting = Number(/about (\d+) characters/.exec(err.message)![1]);
    expect(planFrame(AppearanceSchema.parse({ frameStyle: "banner-bottom", frameText: text.slice(0, fitting).trim() }), 400)).not.toBeNull();
  });

  it("refuses a caption with nothing to see", async () => {
    await prepareFrame({ frameStyle: "banner-bottom" });
    const err = engineError(() => planFrame(AppearanceSchema.parse({ frameStyle: "banner-bottom", frameText: "\u200f\u200d" }), 400));
    expect(err.message).toBe("frameText has no visible characters");
    // Markup characters are text like any other.
    expect(planFrame(AppearanceSchema.parse({ frameStyle: "banner-bottom", frameText: "<a & b>" }), 400)).not.toBeNull();
  });

  it("any text the schema accepts is drawn or refused with a QrError, never a crash", async () => {
    await prepareFrame({ frameStyle: "banner-bottom" });
    const scripts = fc.constantFrom("SCAN ME ", "Ünï ", "Ωμέγα ", "Привет ", "סרוק ", "امسح ", "😀", "中", "\u200f", "\u0301", "<&>", " ", "\ud800");
    const text = fc.oneof(fc.string({ unit: "grapheme", maxLength: 40 }), fc.array(scripts, { maxLength: 8 }).map((parts) => parts.join("")));
    await fc.assert(
      fc.asyncProperty(text, fc.constantFrom(...STYLES), fc.integer({ min: 60, max: 1200 }), async (frameText, frameStyle, size) => {
        const parsed = AppearanceSchema.safeParse({ frameStyle, frameText });
        if (!parsed.success) return;
        try {
          planRender({ content: URL, appearance: parsed.data, size });
        } catch (err) {
          if (!(err instanceof QrError)) throw err;
        }
      }),
      { numRuns: 300 },
    );
  });

  it("shrinks a long caption before refusing it", async () => {
    await prepareFrame({ frameStyle: "banner-bottom" });
    const height = (text: string) => {
      const recorder = new PathRecorder();
      planFrame(AppearanceSchema.parse({ frameStyle: "banner-bottom", frameText: text }), 1000)!.layers[1]!.draw(recorder);
      const ys = recorder.points.map(([, y]) => y);
      return Math.max(...ys) - Math.min(...ys);
    };
    expect(height("SCAN ME PLEASE TODAY")).toBeLessThan(height("SCAN ME") * 0.8);
  });

  it("refuses a caption that does not stand out from what it is drawn on", () => {
    const onFrame = engineError(() => planFrame(AppearanceSchema.parse({ frameStyle: "banner-bottom", frameText: "SCAN", frameColor: "#777777", frameTextColor: "#888888" }), 400));
    expect(onFrame.code).toBe("LOW_CONTRAST");
    expect(onFrame.field).toBe("frameTextColor");
    expect(onFrame.message).toContain("frame colour");
    const onBackground = engineError(() => planFrame(AppearanceSchema.parse({ frameStyle: "caption", frameText: "SCAN", frameColor: "#eeeeee" }), 400));
    expect(onBackground.field).toBe("frameColor");
    expect(onBackground.message).toContain("background");
  });

  it("picks a caption colour that reads: white on a dark frame, black on a light one, the frame's on the background", () => {
    const colour = (input: AppearanceInput) => planFrame(AppearanceSchema.parse({ frameText: "SCAN", ...input }), 400)!.layers[1]!.color;
    expect(colour({ frameStyle: "banner-bottom", frameColor: "#1e3a8a" })).toBe("#ffffff");
    expect(colour({ frameStyle: "bubble", frameColor: "#fde047" })).toBe("#000000");
    expect(colour({ frameStyle: "caption", frameColor: "#1e3a8a" })).toBe("#1e3a8a");
    expect(colour({ frameStyle: "banner-top", frameColor: "#1e3a8a", frameTextColor: "#fde047" })).toBe("#fde047");
  });

  it("is refused by the schema without its text, and text without a style", () => {
    expect(AppearanceSchema.safeParse({ frameStyle: "banner-bottom" }).error?.issues[0]).toMatchObject({ path: ["frameText"], message: "is required when frameStyle is set" });
    expect(AppearanceSchema.safeParse({ frameText: "SCAN" }).error?.issues[0]).toMatchObject({ path: ["frameStyle"] });
    expect(AppearanceSchema.safeParse({ frameStyle: "banner-bottom", frameText: "SCAN\nME" }).success).toBe(false);
    expect(AppearanceSchema.safeParse({ frameStyle: "ribbon", frameText: "SCAN" }).success).toBe(false);
  });
});

describe("framed codes", () => {
  for (const style of STYLES)
    it(`${style}: the code and a quiet zone of ${UNIVERSAL_QUIET_ZONE} modules sit inside the frame's opening`, async () => {
      for (const size of [200, 437, 1000]) {
        const plan = await framed({ frameStyle: style, frameText: "SCAN ME" }, size);
        const { room } = plan.frame!;
        const symbol = plan.matrix.size * plan.dotSize;
        const quiet = UNIVERSAL_QUIET_ZONE * plan.dotSize;
        expect(plan.x0 - room.x).toBeGreaterThanOrEqual(quiet);
        expect(plan.y0 - room.y).toBeGreaterThanOrEqual(quiet);
        expect(room.x + room.side - (plan.x0 + symbol)).toBeGreaterThanOrEqual(quiet);
        expect(room.y + room.side - (plan.y0 + symbol)).toBeGreaterThanOrEqual(quiet);
        // The opening is on whole pixels, so modules stay on the pixel grid.
        expect([room.x, room.y, room.side].every(Number.isInteger)).toBe(true);
        // Every frame shape stays on the canvas and out of the opening.
        for (const layer of plan.frame!.layers) {
          const recorder = new PathRecorder();
          layer.draw(recorder);
          for (const [x, y] of recorder.points) {
            expect(x).toBeGreaterThanOrEqual(0);
            expect(y).toBeGreaterThanOrEqual(0);
            expect(x).toBeLessThanOrEqual(size);
            expect(y).toBeLessThanOrEqual(size);
            const inside = x > room.x + 0.01 && x < room.x + room.side - 0.01 && y > room.y + 0.01 && y < room.y + room.side - 0.01;
            expect(inside).toBe(false);
          }
        }
      }
    });

  it("keeps the canvas size it was asked for and says how small it may be", async () => {
    const plan = await framed({ frameStyle: "bubble", frameText: "SCAN" }, 300);
    expect(plan.size).toBe(300);
    const err = engineError(() => planRender({ content: URL.repeat(8), appearance: AppearanceSchema.parse({ frameStyle: "bubble", frameText: "SCAN" }), size: 150 }));
    expect(err.code).toBe("CANVAS_TOO_SMALL");
    expect(err.message).toContain("with its frame");
  });

  it("geometry is a share of the canvas: the opening grows with it", () => {
    for (const style of STYLES) {
      const small = frameGeometry(style, 1000, true).room.side / 1000;
      const large = frameGeometry(style, 5000, true).room.side / 5000;
      expect(small).toBeCloseTo(large, 6);
    }
  });

  it("a circle-shaped code keeps its ring inside the frame and scans", async () => {
    const plan = await framed({ frameStyle: "caption", frameText: "SCAN ME", shape: "circle" }, 600);
    const { room } = plan.frame!;
    // The ring of decorative modules fills the opening, as it fills the canvas without a frame.
    expect(plan.size - 2 * plan.margin).toBeLessThanOrEqual(room.side);
    await expectSvgScans(renderPlanSvg(plan), 600, URL);
  });

  it("with gradients, a logo and a large symbol, a framed code still scans as SVG and as PNG", async () => {
    const appearance = AppearanceSchema.parse({
      frameStyle: "rounded",
      frameText: "Menü",
      frameColor: "#7c2d12",
      dotsOptionsType: "classy-rounded",
      dotsOptionsGradientType: "linear",
      dotsOptionsGradientColorStops: [
        { offset: 0, color: "#1e3a8a" },
        { offset: 1, color: "#6d28d9" },
      ],
      qrOptionsErrorCorrectionLevel: "H",
      imageOptionsImageSize: 0.15,
    });
    await prepareFrame(appearance);
    const content = `${URL}?${"q".repeat(120)}`;
    const plan = planRender({ content, appearance, size: 900, image: { kind: "icon", key: BUILTIN_ICON_KEYS[0]! } });
    expect(plan.imageBox).not.toBeNull();
    await expectSvgScans(renderPlanSvg(plan), 900, content);
    await expectScans(await renderPlanPng(plan), content);
  });

  const texts = ["SCAN ME", "امسح الرمز", "סרוק אותי", "Сканируй", "Ωμέγα"];
  STYLES.forEach((style, i) =>
    it(`${style} with "${texts[i % texts.length]}" scans in every decoder family, as SVG and as PNG`, async () => {
      const size = [300, 500, 800][i % 3]!;
      const frameColor = i % 2 ? "#1e3a8a" : "#000000";
      const plan = await framed({ frameStyle: style, frameText: texts[i % texts.length]!, frameColor, dotsOptionsType: i % 2 ? "square" : "rounded" }, size);
      const svg = renderPlanSvg(plan);
      // The frame's outline and its caption are paths: nothing in the document needs a font.
      expect(svg).not.toMatch(/<text|<font|@font-face|font-family/);
      expect(svg).toContain(`fill="${frameColor}"`);
      await expectSvgScans(svg, size, URL);
      await expectScans(await renderPlanPng(plan), URL);
    }),
  );
});
