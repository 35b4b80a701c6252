-- label: safe
-- why: the table is created by this file, so nobody reads it under its old name yet
CREATE TABLE order_archive AS SELECT id, amount FROM orders WHERE false;
ALTER TABLE order_archive RENAME TO orders_archived;
