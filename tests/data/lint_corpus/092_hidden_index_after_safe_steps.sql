-- label: unsafe
-- why: the last statement locks orders
CREATE TABLE coupons (code text PRIMARY KEY);
INSERT INTO coupons VALUES ('A'), ('B');
COMMENT ON TABLE coupons IS 'discounts';
CREATE INDEX orders_created ON orders (created_at);
