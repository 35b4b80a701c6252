-- @a
CREATE TABLE t (id bigint PRIMARY KEY, a int, b text);
-- @b
CREATE TABLE t (id bigint PRIMARY KEY, a int, b text, c numeric(10,2) DEFAULT 0 NOT NULL);
