-- @a
CREATE TABLE t (id bigint PRIMARY KEY, a int, b text);
-- @b
CREATE TABLE t (id bigint PRIMARY KEY, a int, b text); CREATE VIEW v AS SELECT id, a FROM t WHERE a > 0;
