-- label: unsafe
-- why: rebuild blocking writes
REINDEX INDEX orders_customer;
