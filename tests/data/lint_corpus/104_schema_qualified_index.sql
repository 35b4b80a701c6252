-- label: unsafe
-- why: SHARE while building
CREATE INDEX orders_amount ON public.orders (amount);
