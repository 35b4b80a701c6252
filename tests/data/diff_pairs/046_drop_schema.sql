-- @a
CREATE SCHEMA old; CREATE TABLE old.t (a int);
-- @b

