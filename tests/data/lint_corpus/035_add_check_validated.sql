-- label: unsafe
-- why: scans under ACCESS EXCLUSIVE
ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0);
