-- label: safe
-- why: numeric(10,2) to numeric(14,2): precision grows at the same scale
ALTER TABLE orders ALTER COLUMN amount TYPE numeric(14,2);
