-- label: unsafe
-- why: rewrites
ALTER TABLE orders ADD COLUMN doubled numeric GENERATED ALWAYS AS (amount * 2) STORED;
