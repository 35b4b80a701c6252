-- @a
CREATE TABLE t (id int, a int);
-- @b
CREATE TABLE t (id int UNIQUE, a int CHECK (a > 0));
