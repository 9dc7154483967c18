-- The QR code resource. D1 is the source of truth; KV holds a redirect-only copy per short token.
CREATE TABLE qr_codes (
  id TEXT PRIMARY KEY,                       -- 24 lowercase hex: 12 of milliseconds + 12 random, so id order is creation order
  org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  content TEXT NOT NULL,                     -- JSON, as validated
  appearance TEXT NOT NULL,                  -- JSON, every field with its default applied
  logo_file_id TEXT,                         -- the stored logo behind appearance.uploadedImage (an upload, or a fetched URL)
  short_token TEXT UNIQUE,                   -- kept for the life of the code, exposed only while the type is dynamic
  created_by TEXT,                           -- name of the API key that created it (schema.org creator)
  version INTEGER NOT NULL DEFAULT 1,        -- bumped on every write; the ETag
  scans INTEGER NOT NULL DEFAULT 0,          -- human scans, kept by the analytics consumer
  views INTEGER NOT NULL DEFAULT 0,          -- hosted page views
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX qr_codes_by_org ON qr_codes (org_id, id);
CREATE INDEX qr_codes_by_org_type ON qr_codes (org_id, type, id);

-- Every short token ever issued: a deleted code's token is never handed out again.
CREATE TABLE short_tokens (
  token TEXT PRIMARY KEY,
  code_id TEXT NOT NULL,
  created_at TEXT NOT NULL
);

-- A KV change that D1 has committed but KV has not confirmed. Written in the same batch as the
-- change and removed once KV accepted it; the cron retries whatever is left.
CREATE TABLE redirect_sync (
  token TEXT PRIMARY KEY,
  queued_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0
);

-- Idempotency-Key on POST /qr_codes: the first response is replayed for a retried request.
CREATE TABLE idempotency_keys (
  org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  code_id TEXT NOT NULL,
  response TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (org_id, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
