import { isPlain, renderPlainPng } from "./plain";
import { planRender, type PlanRequest, type RenderPlan } from "./plan";
import { rasterizePlan } from "./raster";
import { renderSvg } from "./svg";

export interface RenderedImage {
  bytes: Uint8Array;
  plan: RenderPlan;
}

export function renderQrSvg(request: PlanRequest): { svg: string; plan: RenderPlan } {
  const plan = planRender(request);
  return { svg: renderSvg(plan), plan };
}

/** Plain codes take the direct indexed-PNG path; styled ones are drawn as SVG and rasterized. */
export async function renderQrPng(request: PlanRequest): Promise<RenderedImage> {
  const plan = planRender(request);
  const bytes = isPlain(plan) ? renderPlainPng(plan) : await rasterizePlan(plan);
  return { bytes, plan };
}
