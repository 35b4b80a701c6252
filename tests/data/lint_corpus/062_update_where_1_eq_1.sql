-- label: unsafe
-- why: every row
UPDATE customers SET name = upper(name) WHERE 1 = 1;
