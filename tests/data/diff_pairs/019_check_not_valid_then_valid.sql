-- @a
CREATE TABLE t (a int); ALTER TABLE t ADD CONSTRAINT a_pos CHECK (a > 0) NOT VALID;
-- @b
CREATE TABLE t (a int CONSTRAINT a_pos CHECK (a > 0));
