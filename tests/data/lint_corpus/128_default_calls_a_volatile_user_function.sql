-- label: unsafe
-- why: next_code() is a volatile user function: every row gets its own value, a rewrite
ALTER TABLE orders ADD COLUMN code text DEFAULT next_code();
