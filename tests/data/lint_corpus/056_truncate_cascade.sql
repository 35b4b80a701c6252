-- label: unsafe
-- why: data loss
TRUNCATE logs CASCADE;
