-- label: unsafe
-- why: rewrites
CLUSTER orders USING orders_pkey;
