-- Tags on codes. The code's own row keeps its tags as a JSON array (what the representation shows,
-- read with the code and no join); qr_code_tags holds the same tags one row each, written in the
-- same batch, so that `GET /qr_codes?tag=` and the tag counts are index walks instead of a search
-- through every code's JSON. The rows go with the code (the foreign key cascades).
ALTER TABLE qr_codes ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';

CREATE TABLE qr_code_tags (
  org_id TEXT NOT NULL,
  tag TEXT NOT NULL,                         -- normalised (src/codes/tags.ts): NFC, lower case, trimmed
  code_id TEXT NOT NULL REFERENCES qr_codes (id) ON DELETE CASCADE,
  PRIMARY KEY (org_id, tag, code_id)         -- ?tag= and the counts per tag walk this
) WITHOUT ROWID;
-- A replace drops a code's rows, and the cascade finds them, by code.
CREATE INDEX qr_code_tags_by_code ON qr_code_tags (code_id);

-- The organization's scan export (GET /analytics/scans/export) walks one organization's events in
-- time order from a keyset cursor; scan_events_by_code serves a single code's only.
CREATE INDEX scan_events_by_org ON scan_events (org_id, kind, at);
