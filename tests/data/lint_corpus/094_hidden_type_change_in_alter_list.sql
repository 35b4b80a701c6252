-- label: unsafe
-- why: rewrite in the list
ALTER TABLE orders ADD COLUMN c2 int, ALTER COLUMN customer_id TYPE int;
