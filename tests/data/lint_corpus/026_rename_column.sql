-- label: unsafe
-- why: breaks clients
ALTER TABLE customers RENAME COLUMN name TO full_name;
