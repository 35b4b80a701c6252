-- @a
CREATE TABLE t (id int PRIMARY KEY, a int, b text);
-- @b
CREATE TABLE t (b text, a int, id int PRIMARY KEY);
