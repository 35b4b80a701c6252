-- label: unsafe
-- why: rewrites under ACCESS EXCLUSIVE
VACUUM FULL events;
