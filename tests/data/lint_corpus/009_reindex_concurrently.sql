-- label: safe
-- why: concurrent rebuild
REINDEX TABLE CONCURRENTLY events;
