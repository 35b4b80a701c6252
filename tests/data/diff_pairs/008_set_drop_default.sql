-- @a
CREATE TABLE t (id int PRIMARY KEY, a int DEFAULT 1, b int);
-- @b
CREATE TABLE t (id int PRIMARY KEY, a int, b int DEFAULT 2);
