-- label: unsafe
-- why: data loss in the list
ALTER TABLE customers ADD COLUMN phone text, DROP COLUMN created_at;
