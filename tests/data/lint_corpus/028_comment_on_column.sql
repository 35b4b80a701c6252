-- label: safe
-- why: catalog only
COMMENT ON COLUMN orders.note IS 'free text';
