-- label: safe
-- why: one batch per transaction
-- dbworkbench:batch
UPDATE orders SET status = 'open' WHERE id IN (SELECT id FROM orders WHERE status = 'new' LIMIT 1000);
