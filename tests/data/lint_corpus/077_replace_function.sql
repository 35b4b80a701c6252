-- label: safe
-- why: catalog only
CREATE OR REPLACE FUNCTION order_count() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM orders';
