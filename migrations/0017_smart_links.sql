-- Smart links (additive fields of dynamic codes): routing rules and A/B variants, UTM parameters,
-- and the share link whose visits are counted as clicks, apart from scans of the image.

ALTER TABLE qr_codes ADD COLUMN routing TEXT;                        -- JSON {rules, variants} or NULL
ALTER TABLE qr_codes ADD COLUMN utm TEXT;                            -- JSON {source, medium, campaign, term, content} or NULL
ALTER TABLE qr_codes ADD COLUMN clicks INTEGER NOT NULL DEFAULT 0;   -- human visits of the share link (/s/{token})

-- Organization-wide UTM defaults, copied into a code that is created without its own.
ALTER TABLE organizations ADD COLUMN utm_defaults TEXT;             -- JSON {source, medium, campaign, term, content} or NULL

-- scan_events gains the 'click' kind (a CHECK constraint changes only by rebuilding the table)
-- and which rule or variant chose the destination of each scan or click.
CREATE TABLE scan_events_v2 (
  id TEXT PRIMARY KEY,
  batch_id TEXT NOT NULL,
  code_id TEXT NOT NULL,
  org_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('scan', 'view', 'click')),
  at TEXT NOT NULL,
  day TEXT NOT NULL,
  country TEXT,
  region TEXT,
  city TEXT,
  device TEXT NOT NULL,
  os TEXT,
  browser TEXT,
  referrer_host TEXT,
  bot INTEGER NOT NULL,
  bot_reason TEXT,
  visitor TEXT NOT NULL,
  outcome TEXT NOT NULL DEFAULT 'target',
  rule TEXT,                             -- the routing rule that chose the destination, by its label; NULL: none applied
  variant TEXT                           -- the A/B variant that chose it, by its label; NULL: none
);
INSERT INTO scan_events_v2 (id, batch_id, code_id, org_id, kind, at, day, country, region, city, device, os, browser, referrer_host, bot, bot_reason, visitor, outcome)
  SELECT id, batch_id, code_id, org_id, kind, at, day, country, region, city, device, os, browser, referrer_host, bot, bot_reason, visitor, outcome FROM scan_events;
DROP TABLE scan_events;
ALTER TABLE scan_events_v2 RENAME TO scan_events;
CREATE INDEX scan_events_by_code ON scan_events (code_id, kind, at);
CREATE INDEX scan_events_by_batch ON scan_events (batch_id);
CREATE INDEX scan_events_by_age ON scan_events (at);
CREATE INDEX scan_events_by_org ON scan_events (org_id, kind, at);
