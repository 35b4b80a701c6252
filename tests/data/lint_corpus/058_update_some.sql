-- label: safe
-- why: bounded
UPDATE orders SET status = 'open' WHERE id < 100;
