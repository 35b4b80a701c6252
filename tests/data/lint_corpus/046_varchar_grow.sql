-- label: safe
-- why: no rewrite
ALTER TABLE orders ALTER COLUMN note TYPE varchar(50);
