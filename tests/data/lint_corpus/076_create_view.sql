-- label: safe
-- why: catalog only
CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 1000;
