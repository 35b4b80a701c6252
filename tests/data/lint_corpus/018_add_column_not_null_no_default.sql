-- label: unsafe
-- why: fails on a populated table
ALTER TABLE orders ADD COLUMN region text NOT NULL;
