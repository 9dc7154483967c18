import { dayOf } from "../analytics/event";
import { edgeVisitorKey } from "../analytics/visitor";
import type { RedirectRecord } from "./short-links";
import { chooseDestination, scanFacts, type Destination } from "./smart-links";

/**
 * Where a scan (or a click of the share link) that the code's limits let through goes: the code's
 * rules, variants and UTM parameters applied to the request, from the redirect record alone. A
 * code without them costs nothing here; one with variants costs one HMAC (the visitor's daily key,
 * the same one the analytics count unique visitors by), and no storage read either way.
 */
export function destinationOf(env: Env, record: RedirectRecord, request: Request, now = Date.now()): Promise<Destination> | Destination {
  if (!record.routing && !record.utm) return { location: record.target, target: record.target, rule: null, variant: null };
  const visitorKey = () => edgeVisitorKey(env, dayOf(new Date(now)), request.headers.get("CF-Connecting-IP") ?? "", request.headers.get("User-Agent") ?? "");
  return chooseDestination(record.target, record.codeId, record.routing, record.utm, scanFacts(request, now), visitorKey);
}
