-- @a
CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL, b int);
-- @b
CREATE TABLE t (id int PRIMARY KEY, a int, b int NOT NULL);
