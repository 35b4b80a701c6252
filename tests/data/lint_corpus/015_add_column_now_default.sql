-- label: safe
-- why: stable default: catalog only
ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT now();
