-- @a
CREATE TABLE t (id bigint PRIMARY KEY, a int, b text); CREATE VIEW v AS SELECT id, b FROM t;
-- @b
CREATE TABLE t (id bigint PRIMARY KEY, a int); CREATE VIEW v AS SELECT id, a FROM t;
