-- label: safe
-- why: everything on a new table
CREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint NOT NULL, note text);
ALTER TABLE shipments ADD CONSTRAINT shipments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) NOT VALID;
CREATE INDEX shipments_order ON shipments (order_id);
ALTER TABLE shipments ALTER COLUMN note SET NOT NULL;
