-- label: safe
-- why: catalog only
COMMENT ON TABLE orders IS 'customer orders';
