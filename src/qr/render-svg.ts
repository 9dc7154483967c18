import { isPlain, renderPlainSvg } from "./plain-svg";
import type { RenderPlan } from "./plan";
import { renderSvg } from "./svg";

/**
 * Draws a plan made elsewhere (planRender, planFitting) as SVG: plain codes in their compact form.
 * Apart from render.ts, whose PNG renderers bring the PNG writer (node:zlib) and resvg: the
 * browser's bundle (browser.ts) draws SVG only.
 */
export function renderPlanSvg(plan: RenderPlan): string {
  return isPlain(plan) ? renderPlainSvg(plan) : renderSvg(plan);
}
