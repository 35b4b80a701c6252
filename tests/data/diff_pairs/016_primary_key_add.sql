-- @a
CREATE TABLE t (id int NOT NULL, a int);
-- @b
CREATE TABLE t (id int PRIMARY KEY, a int);
