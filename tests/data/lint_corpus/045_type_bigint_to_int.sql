-- label: unsafe
-- why: rewrites
ALTER TABLE orders ALTER COLUMN customer_id TYPE int;
