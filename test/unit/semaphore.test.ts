import { describe, expect, it } from "vitest";
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
