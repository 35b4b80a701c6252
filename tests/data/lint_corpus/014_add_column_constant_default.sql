-- label: safe
-- why: constant default: catalog only since 11
ALTER TABLE orders ADD COLUMN priority smallint DEFAULT 3;
