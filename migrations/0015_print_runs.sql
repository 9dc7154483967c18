-- Print runs (issue 18 part 3): N serialised codes made by one request (table 1..N, flyer batch
-- A..Z) that share a target and an appearance when created. Each child is an ordinary dynamic code
-- in qr_codes, with its own short token and scans; the run is the parent that groups them, rolls
-- their scans up and downloads them as one ZIP or PDF sheet.
CREATE TABLE print_runs (
  id TEXT PRIMARY KEY,                       -- 24 hex, as a code's id (creation order)
  org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name TEXT NOT NULL,                        -- the template's name
  created_by TEXT,                           -- name of the API key that created it
  created_at TEXT NOT NULL
);
CREATE INDEX print_runs_by_org ON print_runs (org_id, id);

-- A run's children in serial order. A child deleted on its own (DELETE /qr_codes/{id}) leaves the
-- run (the code_id cascade); deleting the run deletes its children through the application, which
-- also removes their KV redirect records.
CREATE TABLE print_run_codes (
  run_id TEXT NOT NULL REFERENCES print_runs (id) ON DELETE CASCADE,
  serial INTEGER NOT NULL,                   -- 1..N: the child's position in the run
  label TEXT NOT NULL,                       -- printed under the code on the sheet ("Table 7")
  code_id TEXT NOT NULL UNIQUE REFERENCES qr_codes (id) ON DELETE CASCADE,
  PRIMARY KEY (run_id, serial)
) WITHOUT ROWID;
