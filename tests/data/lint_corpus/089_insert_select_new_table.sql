-- label: safe
-- why: new table
CREATE TABLE archive.orders_2020 (LIKE orders);
INSERT INTO archive.orders_2020 SELECT * FROM orders WHERE id < 10;
