-- Which uploads each code refers to: its logo, and the file, audio, image and file-link ids in its
-- content. Written in the same batch as the code (a replace rewrites its rows), removed with it by
-- the cascade (so also when its organization goes). The orphan cleanup asks "does any code of the
-- file's organization refer to it?" with one probe of the primary key instead of searching every
-- code's content.
CREATE TABLE file_references (
  org_id TEXT NOT NULL,
  file_id TEXT NOT NULL,
  code_id TEXT NOT NULL REFERENCES qr_codes (id) ON DELETE CASCADE,
  PRIMARY KEY (org_id, file_id, code_id)
) WITHOUT ROWID;
-- A replace drops a code's rows, and the cascade finds them, by code.
CREATE INDEX file_references_by_code ON file_references (code_id);

-- The cleanup walks uploads oldest first from a cursor, a bounded page per run.
CREATE INDEX files_by_age ON files (created_at, id);

-- References of the codes that exist now, derived here from the stored JSON: the logo, and every
-- string in the content that is a file id. That is a superset of what a write records (a text that
-- happens to equal a file id counts too), so it can only spare a file, never take one a code needs;
-- the code's next write records the exact set.
INSERT OR IGNORE INTO file_references (org_id, file_id, code_id)
SELECT org_id, logo_file_id, id FROM qr_codes WHERE logo_file_id IS NOT NULL;
INSERT OR IGNORE INTO file_references (org_id, file_id, code_id)
SELECT c.org_id, t.value, c.id FROM qr_codes AS c, json_tree(c.content) AS t
WHERE t.type = 'text' AND length(t.value) = 24 AND t.value NOT GLOB '*[^0-9a-f]*';

-- The Worker that ran before this migration keeps writing codes without references until the new
-- one is deployed. The new cleanup therefore derives references again for every code, a page per
-- run from this cursor (the last code id done), and deletes nothing until that walk is complete.
INSERT INTO service_meta (key, value) VALUES ('file_references_backfill_after', '')
ON CONFLICT (key) DO UPDATE SET value = excluded.value;
