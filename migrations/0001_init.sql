-- Schema version bookkeeping lives in d1_migrations (managed by wrangler); this first migration
-- only records the service metadata row so that /health can prove the database is reachable.
CREATE TABLE IF NOT EXISTS service_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT OR IGNORE INTO service_meta (key, value) VALUES ('schema', 'edge-qr');
