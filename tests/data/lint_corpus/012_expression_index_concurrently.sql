-- label: safe
-- why: concurrent
CREATE INDEX CONCURRENTLY customers_lower_email ON customers (lower(email));
