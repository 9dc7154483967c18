-- Uploaded files (file and audio content, logos) and logos imported from an https URL. The bytes
-- live in R2 under r2_key; this row is what the API and /files/{id} read. The id is 96 random
-- bits in hex because /files/{id} is public: knowing an id is the only key to a file.
CREATE TABLE files (
  id TEXT PRIMARY KEY,                      -- 24 lowercase hex characters from a CSPRNG
  org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  purpose TEXT NOT NULL CHECK (purpose IN ('logo', 'audio', 'file')),
  file_name TEXT NOT NULL,                  -- the client's name, sanitised
  media_type TEXT NOT NULL,                 -- sniffed from the bytes, never the client's claim
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,                     -- hex digest of the bytes
  r2_key TEXT NOT NULL,
  source_url TEXT,                          -- the https URL a logo was imported from, else NULL
  created_at TEXT NOT NULL
);
CREATE INDEX files_by_org ON files (org_id, created_at);
CREATE INDEX files_by_digest ON files (org_id, sha256);
