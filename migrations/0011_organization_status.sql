-- An organization is active, deactivated (reversible: none of its credentials authenticates and its
-- links, hosted pages, files and message QR images answer 404) or being deleted (its credentials
-- are gone at once; the cron removes its codes, analytics and files a page per run, then the row).
ALTER TABLE organizations ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deactivated', 'deleting'));
ALTER TABLE organizations ADD COLUMN status_changed_at TEXT;

-- The walk that removes the KV copies of a non-active organization's links, a page at a time: the
-- last code id done ('' = not started), NULL when no walk is pending. D1 already refuses those
-- links; the walk takes them off the KV fast path too.
ALTER TABLE organizations ADD COLUMN links_walk_after TEXT;

-- The cron's two questions ("which organizations have a walk pending / are being deleted?") read
-- only the few organizations that are not active.
CREATE INDEX organizations_not_active ON organizations (status_changed_at) WHERE status <> 'active';
