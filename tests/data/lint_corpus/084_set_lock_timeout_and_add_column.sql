-- label: safe
-- why: catalog only
SET LOCAL lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN tracked boolean;
