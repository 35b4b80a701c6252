-- label: unsafe
-- why: rewrites
ALTER TABLE orders ALTER COLUMN amount TYPE numeric(10,3);
