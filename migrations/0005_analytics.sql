-- Scan and page-view analytics. The queue consumer writes a batch of events and every rollup in
-- one D1 batch; reads never count raw rows for the representation's counters.

-- Raw events, kept SCAN_RETENTION_DAYS. `id` makes a redelivered message a no-op, and `batch_id`
-- marks the rows the current consumer batch really inserted, so rollups add only those.
CREATE TABLE scan_events (
  id TEXT PRIMARY KEY,
  batch_id TEXT NOT NULL,
  code_id TEXT NOT NULL,
  org_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('scan', 'view')),
  at TEXT NOT NULL,                      -- ISO 8601, +00:00
  day TEXT NOT NULL,                     -- YYYY-MM-DD (UTC)
  country TEXT,
  region TEXT,
  city TEXT,
  device TEXT NOT NULL,                  -- mobile, tablet, desktop, console, tv, wearable, bot, unknown
  os TEXT,
  browser TEXT,
  referrer_host TEXT,
  bot INTEGER NOT NULL,                  -- 1: a crawler, link preview, prefetch or HEAD; logged, not counted
  bot_reason TEXT,                       -- isbot, preview, prefetch, head
  visitor TEXT NOT NULL,                 -- HMAC(ip, user agent) under that day's salt
  outcome TEXT NOT NULL DEFAULT 'target' -- target, fallback, refused (limits)
);
CREATE INDEX scan_events_by_code ON scan_events (code_id, kind, at);
CREATE INDEX scan_events_by_batch ON scan_events (batch_id);
CREATE INDEX scan_events_by_age ON scan_events (at);

-- Per code, kind and day: totals that outlive the raw rows.
CREATE TABLE scan_daily (
  code_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  day TEXT NOT NULL,
  total INTEGER NOT NULL DEFAULT 0,
  humans INTEGER NOT NULL DEFAULT 0,
  bots INTEGER NOT NULL DEFAULT 0,
  uniques INTEGER,                       -- frozen from scan_daily_visitors when those rows expire
  PRIMARY KEY (code_id, kind, day)
);

-- Per code, kind, day and dimension (country, device, os, browser, referrer): the breakdowns.
CREATE TABLE scan_daily_dimensions (
  code_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  day TEXT NOT NULL,
  dimension TEXT NOT NULL,
  value TEXT NOT NULL,
  humans INTEGER NOT NULL DEFAULT 0,
  bots INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (code_id, kind, day, dimension, value)
);

-- One row per human visitor per code, kind and day: unique counts without counting raw rows.
CREATE TABLE scan_daily_visitors (
  code_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  day TEXT NOT NULL,
  visitor TEXT NOT NULL,
  PRIMARY KEY (code_id, kind, day, visitor)
);

-- The salt of each day's visitor hash. Deleted after two days, after which no hash can be tied to
-- an address again, not even by us.
CREATE TABLE visitor_salts (
  day TEXT PRIMARY KEY,
  salt TEXT NOT NULL
);

-- Limits beyond the contract (additive `limits` on the resource).
ALTER TABLE qr_codes ADD COLUMN limits TEXT;  -- JSON {validFrom, validUntil, maxScans, fallbackUrl} or NULL
