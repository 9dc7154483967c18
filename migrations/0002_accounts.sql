-- Accounts under every contract: organizations own brands, members, users and bearer keys;
-- users issue developer keys. Secrets are stored only as SHA-256 hex digests plus a display prefix.
CREATE TABLE organizations (
  id TEXT PRIMARY KEY,                      -- UUID (org_id)
  name TEXT NOT NULL,
  whatsapp_enabled INTEGER NOT NULL DEFAULT 0,
  is_demo INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX organizations_single_demo ON organizations (is_demo) WHERE is_demo = 1;

CREATE TABLE brands (
  org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  id INTEGER NOT NULL,                      -- numeric brand_id, counted per organization
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (org_id, id)
);

CREATE TABLE members (
  id TEXT PRIMARY KEY,                      -- UUID (member_id)
  org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  email TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX members_by_org ON members (org_id);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  member_id TEXT REFERENCES members (id) ON DELETE SET NULL,
  name TEXT NOT NULL,
  email TEXT,
  status TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
  api_key_hash TEXT NOT NULL UNIQUE,
  api_key_prefix TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX users_by_org ON users (org_id);

CREATE TABLE developer_keys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  label TEXT,
  secret_hash TEXT NOT NULL UNIQUE,
  secret_prefix TEXT NOT NULL,
  allowlist TEXT NOT NULL DEFAULT '[]',     -- JSON array of canonical addresses / CIDR ranges
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  replaces_id TEXT REFERENCES developer_keys (id),
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  last_used_at TEXT
);
CREATE INDEX developer_keys_by_user ON developer_keys (user_id);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL UNIQUE,
  secret_prefix TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('read-only', 'read-write')),
  actions TEXT NOT NULL DEFAULT '[]',       -- JSON array such as ["cams:CreatePhoneMessageQrdl"]
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  expires_at TEXT,
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  last_used_at TEXT
);
CREATE INDEX api_keys_by_org ON api_keys (org_id);
