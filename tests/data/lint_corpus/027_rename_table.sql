-- label: unsafe
-- why: breaks clients
ALTER TABLE events RENAME TO audit_events;
