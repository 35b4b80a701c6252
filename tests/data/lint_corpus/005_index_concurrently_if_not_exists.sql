-- label: safe
-- why: concurrent
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_amount ON orders (amount);
