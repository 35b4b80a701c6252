-- label: safe
-- why: catalog only
ALTER TABLE customers DROP CONSTRAINT customers_name_present;
