-- label: safe
-- why: site_name() is immutable: the default is evaluated once, no rewrite
ALTER TABLE orders ADD COLUMN site text DEFAULT site_name();
