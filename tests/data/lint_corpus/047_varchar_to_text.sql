-- label: safe
-- why: binary coercible
ALTER TABLE orders ALTER COLUMN note TYPE text;
