-- label: unsafe
-- why: every row in one transaction
ALTER TABLE orders ADD COLUMN done boolean;
UPDATE orders SET done = false;
