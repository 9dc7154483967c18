import { botReason } from "../analytics/user-agent";
import { DependencyUnavailable } from "../lib/unavailable";
import { scanLimiterOf } from "../objects/scan-limiter";
import { windowVerdict } from "./limits";
import type { RedirectRecord } from "./short-links";
import { emitScanLimitReached } from "../webhooks/code-events";

/**
 * A code's limits (validity window, scan budget, fallback), applied the same way to every request
 * that reaches it through the short link (`/r`, a scan) or its hosted page (`/p`, a view).
 *
 * Only people use up a budget, and only through the short link: previews, crawlers, prefetches,
 * HEAD requests and page views merely look. But once the budget is spent (or the window closed)
 * every request goes where a person would, the fallback or a refusal, never to the target; a
 * page opens then only with the pass the redirect gave the person it admitted. When the limiter
 * cannot answer, the budget cannot be proven: the fallback, or a DependencyUnavailable (a 503).
 */
export type Refusal = "not-yet" | "expired" | "exhausted" | DependencyUnavailable;
export type LimitVerdict = { outcome: "target"; tookScan: boolean } | { outcome: "fallback"; location: string } | { outcome: "refused"; refusal: Refusal };

export interface LimitRequest {
  request: Request;
  /** `scan` through /r (a person takes one from the budget), `view` of /p (never takes one). */
  kind: "scan" | "view";
  /** A valid hosted-page pass: this person's scan was admitted a few minutes ago. */
  hasPass?: boolean;
}

async function budgetAllows(env: Env, record: RedirectRecord, maxScans: number, input: LimitRequest): Promise<{ allowed: boolean; tookScan: boolean }> {
  if (input.hasPass) return { allowed: true, tookScan: false };
  const limiter = scanLimiterOf(env, record.codeId);
  const takes = input.kind === "scan" && botReason(input.request) === null;
  const { allowed, used } = await (takes ? limiter.consume(maxScans) : limiter.peek(maxScans));
  // The scan that took the last one tells the organization's endpoints, once (the limiter is exact).
  if (takes && allowed && used === maxScans) await emitScanLimitReached(env, record.orgId, record.codeId, maxScans);
  return { allowed, tookScan: takes && allowed };
}

export async function applyLimits(env: Env, record: RedirectRecord, input: LimitRequest, now = Date.now()): Promise<LimitVerdict> {
  const limits = record.limits;
  if (!limits) return { outcome: "target", tookScan: false };
  let refusal: Refusal | null = null;
  let tookScan = false;
  const window = windowVerdict(limits, now);
  if (window !== "open") refusal = window;
  else if (limits.maxScans !== null) {
    try {
      const budget = await budgetAllows(env, record, limits.maxScans, input);
      if (!budget.allowed) refusal = "exhausted";
      tookScan = budget.tookScan;
    } catch (err) {
      refusal = new DependencyUnavailable("durable-object", err);
    }
  }
  if (refusal === null) return { outcome: "target", tookScan };
  return limits.fallbackUrl ? { outcome: "fallback", location: limits.fallbackUrl } : { outcome: "refused", refusal };
}
