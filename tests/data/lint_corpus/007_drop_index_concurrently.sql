-- label: safe
-- why: concurrent
DROP INDEX CONCURRENTLY orders_customer;
