-- label: unsafe
-- why: every row
DELETE FROM logs;
