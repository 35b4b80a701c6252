-- label: unsafe
-- why: data loss
DROP SCHEMA archive CASCADE;
