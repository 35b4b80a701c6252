-- label: unsafe
-- why: builds the index under SHARE: writes wait
CREATE INDEX orders_status ON orders (status);
