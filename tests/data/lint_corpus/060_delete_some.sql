-- label: safe
-- why: bounded
DELETE FROM logs WHERE id > 4990;
