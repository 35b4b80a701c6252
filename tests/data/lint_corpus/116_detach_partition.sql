-- label: safe
-- why: metadata only: ACCESS EXCLUSIVE on the parent briefly, no scan, no rewrite (keep a lock_timeout)
ALTER TABLE readings DETACH PARTITION readings_2026;
