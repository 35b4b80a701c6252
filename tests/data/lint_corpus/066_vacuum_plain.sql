-- label: safe
-- why: no blocking lock
VACUUM events;
