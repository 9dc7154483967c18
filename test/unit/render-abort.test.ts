import "../support/engine-node";
import { describe, expect, it } from "vitest";
import { AppearanceSchema, planRender } from "../../src/qr";
import { rasterizePlan } from "../../src/qr/raster";

/** A client that disconnects stops a styled render at its next strip (issue 13, C14). */
describe("an aborted render", () => {
  const plan = planRender({ content: "https://example.com/abort", appearance: AppearanceSchema.parse({ dotsOptionsType: "rounded" }), size: 3000 });

  it("stops before the next strip once its signal aborts, counted in strips drawn, not in time", async () => {
    const controller = new AbortController();
    let strips = 0;
    const rendering = rasterizePlan(plan, {
      signal: controller.signal,
      onStrip: () => {
        strips++;
        // The client leaves while the second strip is being drawn.
        if (strips === 2) controller.abort();
      },
    });
    await expect(rendering).rejects.toMatchObject({ name: "AbortError" });
    expect(strips).toBe(2);

    // The same render without an abort draws every strip: the stop above was the signal's doing.
    let all = 0;
    await rasterizePlan(plan, { onStrip: () => all++ });
    expect(all).toBeGreaterThan(4);
  });

  it("an already aborted signal draws nothing", async () => {
    let strips = 0;
    const rendering = rasterizePlan(plan, { signal: AbortSignal.abort(), onStrip: () => strips++ });
    await expect(rendering).rejects.toMatchObject({ name: "AbortError" });
    expect(strips).toBe(0);
  });
});
