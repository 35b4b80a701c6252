-- label: safe
-- why: ACCESS EXCLUSIVE only briefly (no scan, no rewrite), like any ALTER: keep a lock_timeout
DROP INDEX orders_customer;
