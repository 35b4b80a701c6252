-- label: safe
-- why: the recipe
-- dbworkbench:no-transaction
CREATE UNIQUE INDEX CONCURRENTLY orders_id_status ON orders (id, status);
ALTER TABLE orders ADD CONSTRAINT orders_id_status_uq UNIQUE USING INDEX orders_id_status;
