-- label: safe
-- why: the table is new and empty
CREATE TABLE invoices (id bigint, total numeric);
CREATE INDEX invoices_total ON invoices (total);
