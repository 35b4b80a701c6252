-- label: unsafe
-- why: builds under SHARE
CREATE UNIQUE INDEX orders_id_status ON orders (id, status);
