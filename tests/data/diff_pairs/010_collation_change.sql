-- @a
CREATE TABLE t (id int PRIMARY KEY, name text);
-- @b
CREATE TABLE t (id int PRIMARY KEY, name text COLLATE "C");
