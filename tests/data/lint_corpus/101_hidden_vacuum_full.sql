-- label: unsafe
-- why: rewrite
SET LOCAL lock_timeout = '5s';
COMMENT ON TABLE events IS 'x';
-- dbworkbench:no-transaction
VACUUM FULL events;
