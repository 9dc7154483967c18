// Small named values the Worker keeps between runs (cron cursors), in the service_meta table.

export async function getServiceValue(db: D1Database, key: string): Promise<string | null> {
  return (await db.prepare("SELECT value FROM service_meta WHERE key = ?1").bind(key).first<string>("value")) ?? null;
}

/** Stores a value, or removes it when `value` is null. */
export async function setServiceValue(db: D1Database, key: string, value: string | null): Promise<void> {
  if (value === null) await db.prepare("DELETE FROM service_meta WHERE key = ?1").bind(key).run();
  else await db.prepare("INSERT INTO service_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value").bind(key, value).run();
}
