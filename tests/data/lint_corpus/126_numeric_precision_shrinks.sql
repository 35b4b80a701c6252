-- label: unsafe
-- why: numeric(10,2) to numeric(8,2): precision shrinks, rewrite
ALTER TABLE orders ALTER COLUMN amount TYPE numeric(8,2);
