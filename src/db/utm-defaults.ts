import type { Utm } from "../codes/smart-links";

// Named SQL for an organization's UTM defaults (organizations.utm_defaults, JSON or NULL).

export async function findUtmDefaults(db: D1Database, orgId: string): Promise<Utm | null> {
  const row = await db.prepare("SELECT utm_defaults FROM organizations WHERE id = ?1").bind(orgId).first<{ utm_defaults: string | null }>();
  return row?.utm_defaults ? (JSON.parse(row.utm_defaults) as Utm) : null;
}

/** null clears them. */
export async function setUtmDefaults(db: D1Database, orgId: string, utm: Utm | null): Promise<void> {
  await db.prepare("UPDATE organizations SET utm_defaults = ?2 WHERE id = ?1").bind(orgId, utm === null ? null : JSON.stringify(utm)).run();
}
