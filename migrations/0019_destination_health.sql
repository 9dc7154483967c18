-- Destination health (issue 19 part 6): the cron checks every http(s) destination of each dynamic
-- code (its url, its rules' and variants' urls), one row per code and URL, and keeps the code's
-- summary on the code itself so the representation and the redirect record need no join.

CREATE TABLE destination_checks (
  code_id TEXT NOT NULL REFERENCES qr_codes (id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  org_id TEXT NOT NULL,
  host TEXT NOT NULL,                    -- lower case: checks of one host are spread and backed off together
  status TEXT NOT NULL DEFAULT 'unknown' CHECK (status IN ('unknown', 'ok', 'broken')),  -- unknown: not checked yet, or not checkable from here (a private host)
  broken_since TEXT,                     -- ISO 8601: the check that found it broken (the second failure in a row)
  checked_at TEXT,
  last_status INTEGER,                   -- the HTTP status of the last check; NULL when it got none
  last_error TEXT,                       -- why the last check failed without a status (timeout, network, refused URL)
  failures INTEGER NOT NULL DEFAULT 0,   -- consecutive failed checks
  next_check_at TEXT NOT NULL,
  PRIMARY KEY (code_id, url)
);
CREATE INDEX destination_checks_due ON destination_checks (next_check_at);

-- The code's summary: {status, checkedAt, brokenSince, lastAnswer, brokenUrls} (codes/destination-health.ts), or NULL before its first check.
ALTER TABLE qr_codes ADD COLUMN destination_health TEXT;
