import { describe, expect, it } from "vitest";
import { mostInAnyWindow, refusalsWithRoom } from "../../bench/rate-window";

// The judge the bench and the limiter's real-clock test apply to the limiter's own arrival times.
describe("rolling-window judge", () => {
  it("counts the most arrivals in any (t - 1000, t]", () => {
    expect(mostInAnyWindow([], 1000)).toBe(0);
    expect(mostInAnyWindow([0, 200, 400, 600, 800, 1000, 1200], 1000)).toBe(5);
    // 999 ms apart share a window, 1000 ms apart do not.
    expect(mostInAnyWindow([0, 0, 0, 0, 0, 999], 1000)).toBe(6);
    expect(mostInAnyWindow([0, 0, 0, 0, 0, 1000], 1000)).toBe(5);
    // A burst of 8 spread over 1.4 s: 8 admitted, never more than 5 within 1000 ms.
    expect(mostInAnyWindow([1400, 0, 100, 200, 300, 1001, 1100, 400], 1000)).toBe(5);
    expect(mostInAnyWindow([0, 100, 200, 300, 400, 999], 1000)).toBe(6);
  });

  it("finds refusals made while the window had room", () => {
    const admitted = [0, 100, 200, 300, 400];
    expect(refusalsWithRoom(admitted, [400, 999], 5, 1000)).toEqual([]);
    // At 1000 the slot admitted at 0 has left: a refusal there was wrong.
    expect(refusalsWithRoom(admitted, [999, 1000, 1350], 5, 1000)).toEqual([1000, 1350]);
  });
});
