-- label: unsafe
-- why: scans under SHARE ROW EXCLUSIVE
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
