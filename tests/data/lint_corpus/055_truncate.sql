-- label: unsafe
-- why: data loss
TRUNCATE events;
