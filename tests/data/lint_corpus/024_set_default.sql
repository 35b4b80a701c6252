-- label: safe
-- why: catalog only
ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'open';
