-- label: unsafe
-- why: every row
DELETE FROM events WHERE true;
