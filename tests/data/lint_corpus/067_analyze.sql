-- label: safe
-- why: no blocking lock
ANALYZE orders;
