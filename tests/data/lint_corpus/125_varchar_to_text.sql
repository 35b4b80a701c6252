-- label: safe
-- why: varchar(20) to text is binary coercible
ALTER TABLE orders ALTER COLUMN note TYPE text;
