import { isPlain, renderPlainPng } from "./plain";
import { planRender, type PlanRequest, type RenderPlan } from "./plan";
import { rasterizePlan } from "./raster";
import { renderSvg } from "./svg";

export interface RenderedImage {
  bytes: Uint8Array;
  plan: RenderPlan;
}

/** Draws a plan made elsewhere (planRender, planFitting) as SVG. */
export function renderPlanSvg(plan: RenderPlan): string {
  return renderSvg(plan);
}

/** Plain codes take the direct indexed-PNG path; styled ones are drawn as SVG and rasterized. */
export async function renderPlanPng(plan: RenderPlan): Promise<Uint8Array> {
  return isPlain(plan) ? renderPlainPng(plan) : await rasterizePlan(plan);
}

export function renderQrSvg(request: PlanRequest): { svg: string; plan: RenderPlan } {
  const plan = planRender(request);
  return { svg: renderPlanSvg(plan), plan };
}

export async function renderQrPng(request: PlanRequest): Promise<RenderedImage> {
  const plan = planRender(request);
  return { bytes: await renderPlanPng(plan), plan };
}
