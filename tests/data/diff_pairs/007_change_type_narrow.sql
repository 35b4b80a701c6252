-- @a
CREATE TABLE t (id bigint PRIMARY KEY, name text);
-- @b
CREATE TABLE t (id int PRIMARY KEY, name varchar(10));
