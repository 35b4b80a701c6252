-- label: unsafe
-- why: lock and rename
CREATE INDEX orders_m ON orders (m);
ALTER TABLE events RENAME TO old_events;
