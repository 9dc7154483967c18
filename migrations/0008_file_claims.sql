-- When a code last claimed an upload. A write stamps the files it refers to before it checks them,
-- and the orphan cleanup spares anything claimed within its grace period, so a cleanup run can
-- never delete a file between a write's check and its commit.
ALTER TABLE files ADD COLUMN last_claimed_at TEXT;
