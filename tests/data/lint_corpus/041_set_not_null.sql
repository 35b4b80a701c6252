-- label: unsafe
-- why: scans under ACCESS EXCLUSIVE
ALTER TABLE orders ALTER COLUMN amount SET NOT NULL;
