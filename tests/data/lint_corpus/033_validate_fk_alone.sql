-- label: safe
-- why: validation in its own transaction takes SHARE UPDATE EXCLUSIVE
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
-- dbworkbench:no-transaction
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;
