-- label: safe
-- why: catalog only
ALTER TABLE orders ADD COLUMN region text NOT NULL DEFAULT 'eu';
