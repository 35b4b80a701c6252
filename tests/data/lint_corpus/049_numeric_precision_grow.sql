-- label: safe
-- why: no rewrite
ALTER TABLE orders ALTER COLUMN amount TYPE numeric(12,2);
