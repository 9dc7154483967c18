import "../support/engine-node";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_APPEARANCE,
  MIN_MODULE_PX,
  planFitting,
  planRender,
  QrError,
  renderPlanPng,
  renderPlanSvg,
  type PlanRequest,
} from "../../src/qr";
import { expectScans, expectSvgScans } from "../support/decode";

// A URL of 1,520 characters: too many modules at M for 300 px, few enough at L.
const LONG_URL = `https://example.com/${"a1B2c3D4e5".repeat(150)}`;

const request = (content: string, size: number, extra: Partial<PlanRequest> = {}): PlanRequest => ({
  content,
  appearance: { ...DEFAULT_APPEARANCE, qrOptionsErrorCorrectionLevel: "M" },
  size,
  quietZone: 4,
  ...extra,
});

function fitError(fn: () => unknown): QrError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(QrError);
    return err as QrError;
  }
  throw new Error("expected a QrError");
}

const fitsAt = (req: PlanRequest, size: number, level: "L" | "M") => {
  try {
    planRender({ ...req, size, appearance: { ...req.appearance, qrOptionsErrorCorrectionLevel: level } });
    return true;
  } catch {
    return false;
  }
};

describe("planFitting", () => {
  it("keeps the first level when the content fits it", () => {
    const plan = planFitting(request("https://acme.com/pricing", 300), ["M", "L"]);
    expect(["M", "Q", "H"]).toContain(plan.matrix.errorCorrectionLevel);
    expect(plan.dotSize).toBeGreaterThanOrEqual(MIN_MODULE_PX);
  });

  it("falls back to L when M needs modules under the minimum, and the result scans", async () => {
    expect(LONG_URL).toHaveLength(1520);
    expect(() => planRender(request(LONG_URL, 300))).toThrow(QrError);
    const plan = planFitting(request(LONG_URL, 300), ["M", "L"]);
    expect(plan.matrix.errorCorrectionLevel).toBe("L");
    expect(plan.size).toBe(300);
    expect(plan.dotSize).toBeGreaterThanOrEqual(MIN_MODULE_PX);
    await expectScans(await renderPlanPng(plan), LONG_URL);
    await expectSvgScans(renderPlanSvg(plan), 300, LONG_URL);
  });

  it("falls back to L when the content is over M's capacity", () => {
    const url = `https://example.com/${"x".repeat(2500)}`;
    expect(fitError(() => planRender(request(url, 1000))).code).toBe("CAPACITY_EXCEEDED");
    expect(planFitting(request(url, 1000), ["M", "L"]).matrix.errorCorrectionLevel).toBe("L");
  });

  it("refuses with the smallest size that works at the last level", () => {
    const req = request(LONG_URL, 150);
    const err = fitError(() => planFitting(req, ["M", "L"]));
    expect(err.code).toBe("CANVAS_TOO_SMALL");
    expect(err.field).toBe("size");
    const minimum = err.minimumSize!;
    expect(minimum).toBeGreaterThan(150);
    expect(fitsAt(req, minimum, "L")).toBe(true);
    // Every smaller size fails at L: the minimum really is the smallest.
    for (let size = 150; size < minimum; size++) expect(fitsAt(req, size, "L"), `${size} px`).toBe(false);
    expect(err.message).toContain(`${minimum} px`);
  });

  it("reports the minimum for the last level listed, not the first", () => {
    const atM = fitError(() => planFitting(request(LONG_URL, 150), ["M"])).minimumSize!;
    const atL = fitError(() => planFitting(request(LONG_URL, 150), ["M", "L"])).minimumSize!;
    expect(atL).toBeLessThan(atM);
    expect(fitsAt(request(LONG_URL, 150), atM, "M")).toBe(true);
    expect(fitsAt(request(LONG_URL, 150), atM - 1, "M")).toBe(false);
  });

  it("finds the smallest size with a fixed pixel margin too", () => {
    const req: PlanRequest = { content: LONG_URL, appearance: { ...DEFAULT_APPEARANCE, qrOptionsErrorCorrectionLevel: "L", margin: 37 }, size: 100 };
    const minimum = fitError(() => planFitting(req, ["L"])).minimumSize!;
    expect(fitsAt(req, minimum, "L")).toBe(true);
    expect(fitsAt(req, minimum - 1, "L")).toBe(false);
  });

  it("leaves minimumSize out when no canvas up to the maximum would do", () => {
    const req: PlanRequest = { content: LONG_URL, appearance: { ...DEFAULT_APPEARANCE, margin: 2490 }, size: 5000 };
    const err = fitError(() => planFitting(req, ["L"]));
    expect(err.code).toBe("CANVAS_TOO_SMALL");
    expect(err.minimumSize).toBeUndefined();
  });

  it("rethrows content over every level's capacity and errors unrelated to fitting", () => {
    expect(fitError(() => planFitting(request(`https://example.com/${"x".repeat(3000)}`, 1000), ["M", "L"])).code).toBe("CAPACITY_EXCEEDED");
    const lowContrast = { ...DEFAULT_APPEARANCE, dotsOptionsColor: "#ffffff" };
    expect(fitError(() => planFitting({ ...request("https://a.example", 300), appearance: lowContrast }, ["M", "L"])).code).toBe("LOW_CONTRAST");
    expect(() => planFitting(request("https://a.example", 300), [])).toThrow(RangeError);
    for (const size of [5, 300.5, 6000]) {
      const err = fitError(() => planFitting(request("https://a.example", size), ["M", "L"]));
      expect(err.code).toBe("CANVAS_TOO_SMALL");
      expect(err.message).toMatch(/integer between/);
      expect(err.minimumSize).toBeUndefined();
    }
  });
});
