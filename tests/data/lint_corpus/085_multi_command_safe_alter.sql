-- label: safe
-- why: all catalog only
ALTER TABLE orders ADD COLUMN a1 int, ADD COLUMN a2 text DEFAULT 'x', ALTER COLUMN status SET DEFAULT 'y';
