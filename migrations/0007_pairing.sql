-- Device pairing (the pairing QR code contract). The live state of an instance (its current value,
-- expiry, rotation count, connection) lives in its Durable Object; D1 keeps what outlives it.

-- An instance: a device waiting to be linked. The token (zit_…) is stored only as its SHA-256 digest.
-- A deleted instance keeps its row (deleted_at) until the cron has wiped its Durable Object.
CREATE TABLE pairing_instances (
  id TEXT PRIMARY KEY,                      -- 32 uppercase hex characters
  org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  token_prefix TEXT NOT NULL,
  pause_after INTEGER NOT NULL DEFAULT 3,   -- unscanned rotations before the QR pauses until restart
  created_at TEXT NOT NULL,
  deleted_at TEXT
);
CREATE INDEX pairing_instances_by_org ON pairing_instances (org_id, created_at);
CREATE INDEX pairing_instances_deleted ON pairing_instances (deleted_at) WHERE deleted_at IS NOT NULL;

-- One Client-Token (zct_…) per organization, sent as a header on every pairing call; rotating it
-- replaces the row.
CREATE TABLE pairing_client_tokens (
  org_id TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  token_prefix TEXT NOT NULL,
  created_at TEXT NOT NULL
);

-- Connection history: one row per link, closed by a disconnect.
CREATE TABLE pairing_connections (
  id TEXT PRIMARY KEY,                      -- the session id the instance's Durable Object chose
  instance_id TEXT NOT NULL REFERENCES pairing_instances (id) ON DELETE CASCADE,
  device_name TEXT NOT NULL,
  method TEXT NOT NULL CHECK (method IN ('qr', 'phone')),
  phone TEXT,                               -- E.164, for phone-code links
  connected_at TEXT NOT NULL,
  disconnected_at TEXT
);
CREATE INDEX pairing_connections_by_instance ON pairing_connections (instance_id, connected_at);

-- Which instances hold a pending phone code for a phone number: a phone confirms with its number
-- and code only, so this routes it to the right Durable Object, which holds the code and decides.
CREATE TABLE pairing_phone_codes (
  phone TEXT NOT NULL,                      -- E.164 with the leading +
  instance_id TEXT NOT NULL REFERENCES pairing_instances (id) ON DELETE CASCADE,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (phone, instance_id)
);
CREATE INDEX pairing_phone_codes_expiry ON pairing_phone_codes (expires_at);
