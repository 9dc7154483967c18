import { isPlain, renderPlainPng } from "./plain";
import { planRender, type PlanRequest, type RenderPlan } from "./plan";
import { rasterizePlan } from "./raster";
import { renderPlanSvg } from "./render-svg";

export { renderPlanSvg } from "./render-svg";

export interface RenderedImage {
  bytes: Uint8Array;
  plan: RenderPlan;
}

/**
 * Plain codes take the direct indexed-PNG path (a millisecond or so, not worth interrupting);
 * styled ones are drawn as SVG and rasterized, strip by strip, stopping when `signal` aborts.
 */
export async function renderPlanPng(plan: RenderPlan, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
  return isPlain(plan) ? renderPlainPng(plan) : await rasterizePlan(plan, options.signal ? { signal: options.signal } : {});
}

export function renderQrSvg(request: PlanRequest): { svg: string; plan: RenderPlan } {
  const plan = planRender(request);
  return { svg: renderPlanSvg(plan), plan };
}

export async function renderQrPng(request: PlanRequest): Promise<RenderedImage> {
  const plan = planRender(request);
  return { bytes: await renderPlanPng(plan), plan };
}
