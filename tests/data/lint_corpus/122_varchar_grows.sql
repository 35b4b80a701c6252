-- label: safe
-- why: varchar(20) grows to varchar(40): binary coercible, no rewrite, its index is kept
ALTER TABLE orders ALTER COLUMN note TYPE varchar(40);
