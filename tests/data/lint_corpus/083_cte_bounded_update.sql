-- label: safe
-- why: one row
WITH moved AS (UPDATE orders SET status = 'moved' WHERE id = 42 RETURNING id) SELECT count(*) FROM moved;
