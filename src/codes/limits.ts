import { z } from "zod";
import { isHttpUrl } from "../lib/urls";

/**
 * Limits beyond the contract (an additive `limits` object): a validity window, an exact scan
 * budget, and where to send people when the code is outside either. Dynamic codes only: a static
 * code's payload never passes through us.
 */
export const LimitsSchema = z
  .object({
    validFrom: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time such as 2026-05-10T18:00:00+00:00" }).nullable().default(null),
    validUntil: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time such as 2026-05-10T18:00:00+00:00" }).nullable().default(null),
    maxScans: z.number().int().min(1).max(1_000_000_000).nullable().default(null),
    fallbackUrl: z.string().max(2048).refine(isHttpUrl, "must be an absolute http:// or https:// URL").nullable().default(null),
    /** Also send people to fallbackUrl while the destination a scan would reach is broken (codes/destination-health.ts). */
    fallbackWhenBroken: z.boolean().default(false),
  })
  .superRefine((limits, ctx) => {
    if (limits.validFrom && limits.validUntil && Date.parse(limits.validUntil) <= Date.parse(limits.validFrom))
      ctx.addIssue({ code: "custom", path: ["validUntil"], message: "must be after validFrom" });
    if (limits.fallbackWhenBroken === true && limits.fallbackUrl === null) ctx.addIssue({ code: "custom", path: ["fallbackWhenBroken"], message: "needs a fallbackUrl to send people to" });
  });

export type Limits = z.output<typeof LimitsSchema>;

export const NO_LIMITS: Limits = { validFrom: null, validUntil: null, maxScans: null, fallbackUrl: null, fallbackWhenBroken: false };

export const hasLimits = (limits: Limits | null): limits is Limits =>
  limits !== null && (limits.validFrom !== null || limits.validUntil !== null || limits.maxScans !== null || limits.fallbackUrl !== null);

export type LimitVerdict = "open" | "not-yet" | "expired";

/** Where `now` falls against the validity window (the scan budget is the limiter's business). */
export function windowVerdict(limits: Limits, now: number): LimitVerdict {
  if (limits.validFrom !== null && now < Date.parse(limits.validFrom)) return "not-yet";
  if (limits.validUntil !== null && now >= Date.parse(limits.validUntil)) return "expired";
  return "open";
}
