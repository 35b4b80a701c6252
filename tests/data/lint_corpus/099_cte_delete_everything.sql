-- label: unsafe
-- why: every row
WITH gone AS (DELETE FROM logs RETURNING id) SELECT count(*) FROM gone;
