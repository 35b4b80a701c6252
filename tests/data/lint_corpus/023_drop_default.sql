-- label: safe
-- why: catalog only
ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;
