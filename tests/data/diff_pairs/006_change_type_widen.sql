-- @a
CREATE TABLE t (id int PRIMARY KEY, name varchar(20));
-- @b
CREATE TABLE t (id bigint PRIMARY KEY, name varchar(50));
