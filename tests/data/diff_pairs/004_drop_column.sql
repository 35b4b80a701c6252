-- @a
CREATE TABLE t (id bigint PRIMARY KEY, a int, b text);
-- @b
CREATE TABLE t (id bigint PRIMARY KEY, a int);
