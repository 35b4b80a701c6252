-- label: unsafe
-- why: every row
WITH touched AS (UPDATE customers SET email = lower(email) RETURNING id) SELECT count(*) FROM touched;
