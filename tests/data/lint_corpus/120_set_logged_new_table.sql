-- label: safe
-- why: the table is new and empty
CREATE UNLOGGED TABLE staging (id bigint, payload jsonb);
ALTER TABLE staging SET LOGGED;
