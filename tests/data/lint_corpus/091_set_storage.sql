-- label: safe
-- why: catalog only
ALTER TABLE orders ALTER COLUMN note SET STORAGE EXTERNAL;
