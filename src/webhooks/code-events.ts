import type { VisitEvent } from "../analytics/event";
import type { QrCodeRecord } from "../codes/record";
import type { QrCodeRepresentation } from "../codes/representation";
import { emitWebhookEvent, emitWebhookEvents } from "./events";

/**
 * What each code event's `data` holds, built in one place for the places that emit them: the
 * code's writes (codes/writes.ts), the scan consumer (analytics/consumer.ts) and the scan limit
 * (codes/link-limits.ts). Each is called after its write committed and never throws.
 */

/** qr_code.created and qr_code.updated carry the code as GET /qr_codes/{id} answers it. */
export const emitCodeCreated = (env: Env, orgId: string, representations: readonly QrCodeRepresentation[]): Promise<number> =>
  emitWebhookEvents(env, orgId, "qr_code.created", representations);

export const emitCodeUpdated = (env: Env, orgId: string, representations: readonly QrCodeRepresentation[]): Promise<number> =>
  emitWebhookEvents(env, orgId, "qr_code.updated", representations);

/** qr_code.deleted: what identified the code (it can no longer be fetched). */
export const deletedCodeData = (code: Pick<QrCodeRecord, "id" | "name" | "type" | "shortToken">) => ({ id: code.id, name: code.name, type: code.type, shortToken: code.shortToken });

export const emitCodeDeleted = (env: Env, orgId: string, codes: readonly Pick<QrCodeRecord, "id" | "name" | "type" | "shortToken">[]): Promise<number> =>
  emitWebhookEvents(env, orgId, "qr_code.deleted", codes.map(deletedCodeData));

/** One scan as qr_code.scanned lists it: never the visitor hash (a keyed pseudonym that stays in D1). */
const scanData = (e: VisitEvent) => ({
  id: e.id,
  codeId: e.codeId,
  at: e.at,
  outcome: e.outcome,
  bot: e.bot,
  device: e.device,
  os: e.os,
  browser: e.browser,
  country: e.country,
  region: e.region,
  city: e.city,
  referrerHost: e.referrerHost,
});

/**
 * qr_code.scanned, batched: one event per organization per consumer batch listing its scans (up
 * to the queue's 100), so a busy code costs its receiver one request per batch, not per scan.
 * Page views are not scans and are not sent.
 */
export async function emitScans(env: Env, events: readonly VisitEvent[]): Promise<number> {
  const byOrg = new Map<string, VisitEvent[]>();
  for (const event of events) {
    if (event.kind !== "scan") continue;
    const list = byOrg.get(event.orgId) ?? [];
    list.push(event);
    byOrg.set(event.orgId, list);
  }
  let sent = 0;
  for (const [orgId, scans] of byOrg) sent += await emitWebhookEvent(env, orgId, "qr_code.scanned", { scans: scans.map(scanData) });
  return sent;
}

/** qr_code.scan_limit_reached: sent once, by the scan that took the code's last allowed scan. */
export const emitScanLimitReached = (env: Env, orgId: string, codeId: string, maxScans: number): Promise<number> =>
  emitWebhookEvent(env, orgId, "qr_code.scan_limit_reached", { id: codeId, maxScans });
