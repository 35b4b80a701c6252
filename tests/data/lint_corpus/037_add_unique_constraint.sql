-- label: unsafe
-- why: builds the index under ACCESS EXCLUSIVE
ALTER TABLE orders ADD CONSTRAINT orders_id_status_uq UNIQUE (id, status);
