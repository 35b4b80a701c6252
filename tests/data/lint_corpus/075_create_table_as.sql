-- label: safe
-- why: a new table
CREATE TABLE order_totals AS SELECT customer_id, sum(amount) AS total FROM orders GROUP BY 1;
