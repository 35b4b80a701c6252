-- label: unsafe
-- why: data loss
DROP TABLE events;
