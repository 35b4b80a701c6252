-- label: unsafe
-- why: every row in one transaction
UPDATE orders SET status = 'open';
