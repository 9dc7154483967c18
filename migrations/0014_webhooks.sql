-- Signed webhooks (src/webhooks/): an organization's endpoints, one delivery per event and
-- endpoint (the Standard Webhooks message, its id the webhook-id header), and each attempt at it.

CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  -- JSON array of event types (src/webhooks/events.ts).
  events TEXT NOT NULL,
  -- whsec_… sealed with AES-GCM under ACCESS_KEY_ENCRYPTION_KEY (signing needs it back; a digest would not do).
  secret_sealed TEXT NOT NULL,
  secret_prefix TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')) DEFAULT 'enabled',
  disabled_reason TEXT,
  -- Failed attempts since the last success, and when the first of them happened (auto-disable).
  failure_streak INTEGER NOT NULL DEFAULT 0,
  failing_since TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id, created_at);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  -- The exact body sent (and signed) on every attempt.
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')) DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  last_attempt_at TEXT
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);

CREATE TABLE webhook_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  endpoint_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at TEXT NOT NULL,
  -- null when no HTTP answer came (refused URL, timeout, network).
  status_code INTEGER,
  latency_ms INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  error TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
