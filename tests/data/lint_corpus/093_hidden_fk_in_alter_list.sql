-- label: unsafe
-- why: validated FK in the list
ALTER TABLE orders ADD COLUMN coupon text, ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
