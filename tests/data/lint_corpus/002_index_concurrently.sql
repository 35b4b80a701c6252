-- label: safe
-- why: concurrent build
CREATE INDEX CONCURRENTLY orders_status ON orders (status);
