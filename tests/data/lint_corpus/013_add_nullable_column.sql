-- label: safe
-- why: catalog only
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
