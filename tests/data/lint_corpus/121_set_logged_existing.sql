-- label: unsafe
-- why: SET LOGGED rewrites the table (and writes all of it to the WAL) under ACCESS EXCLUSIVE
ALTER TABLE logs SET UNLOGGED;
ALTER TABLE logs SET LOGGED;
