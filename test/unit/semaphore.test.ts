import { describe, expect, it, vi } from "vitest";
import { Semaphore } from "../../src/lib/semaphore";

describe("Semaphore", () => {
  it("never runs more tasks at once than it has permits, and runs them all", async () => {
    for (const permits of [1, 2, 3]) {
      const semaphore = new Semaphore(permits);
      let running = 0;
      let peak = 0;
      const done = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          semaphore.run(async () => {
            running++;
            peak = Math.max(peak, running);
            await new Promise((resolve) => setTimeout(resolve, 1 + (i % 3)));
            running--;
            return i;
          }),
        ),
      );
      expect(done).toEqual([...Array(12).keys()]);
      expect(peak).toBe(permits);
    }
  });

  it("releases its permit when a task fails", async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await semaphore.run(async () => "next")).toBe("next");
  });
});

describe("Semaphore leases", () => {
  it("takes back a permit whose task never finished once its lease is out, and a late finish gives nothing back twice", async () => {
    vi.useFakeTimers();
    try {
      const semaphore = new Semaphore(1, 1_000);
      let finishLost = () => {};
      // A task whose request was cancelled: it never settles, so its finally never runs.
      void semaphore.run(() => new Promise<void>((resolve) => (finishLost = resolve)));
      let running = 0;
      let peak = 0;
      const track = async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running--;
      };
      let started = false;
      const next = semaphore.run(async () => {
        started = true;
        await track();
      });
      await vi.advanceTimersByTimeAsync(999);
      expect(started).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(started).toBe(true);
      // The lost task turns up after all: its permit was taken back, so it frees nothing.
      finishLost();
      const others = [semaphore.run(track), semaphore.run(track)];
      await vi.advanceTimersByTimeAsync(50);
      await Promise.all([next, ...others]);
      expect(peak).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
