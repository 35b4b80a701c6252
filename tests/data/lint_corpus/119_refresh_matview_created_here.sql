-- label: safe
-- why: the view is created by this file: nobody reads it yet
CREATE MATERIALIZED VIEW status_counts AS SELECT status, count(*) AS n FROM orders GROUP BY 1 WITH NO DATA;
REFRESH MATERIALIZED VIEW status_counts;
