import { afterEach, describe, expect, it, vi } from "vitest";
import { isoAt, isoNow } from "../../src/lib/time";

describe("timestamps", () => {
  afterEach(() => vi.useRealTimers());

  it("are ISO 8601 at whole seconds with +00:00, milliseconds dropped", () => {
    expect(isoNow(new Date(Date.UTC(2026, 10, 1, 9, 5, 7, 999)))).toBe("2026-11-01T09:05:07+00:00");
    expect(isoAt(Date.UTC(2026, 0, 2, 3, 4, 5, 0))).toBe("2026-01-02T03:04:05+00:00");
  });

  it("agree between a Date and its epoch milliseconds", () => {
    const ms = Date.UTC(2030, 5, 30, 23, 59, 59, 500);
    expect(isoAt(ms)).toBe(isoNow(new Date(ms)));
  });

  it("default to the clock's now", () => {
    vi.useFakeTimers({ now: Date.UTC(2027, 2, 3, 4, 5, 6, 789) });
    expect(isoNow()).toBe("2027-03-03T04:05:06+00:00");
  });
});
