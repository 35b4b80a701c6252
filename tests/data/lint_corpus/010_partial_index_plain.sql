-- label: unsafe
-- why: SHARE while building
CREATE INDEX orders_open ON orders (id) WHERE status <> 'done';
