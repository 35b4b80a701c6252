-- label: safe
-- why: reads
WITH recent AS (SELECT * FROM orders WHERE id > 19990) SELECT count(*) FROM recent;
