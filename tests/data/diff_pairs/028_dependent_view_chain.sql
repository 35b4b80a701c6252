-- @a
CREATE TABLE t (id bigint PRIMARY KEY, a int, b text); CREATE VIEW v1 AS SELECT id, a FROM t; CREATE VIEW v2 AS SELECT id FROM v1 WHERE a > 1;
-- @b
CREATE TABLE t (id bigint PRIMARY KEY, a bigint, b text); CREATE VIEW v1 AS SELECT id, a FROM t; CREATE VIEW v2 AS SELECT id FROM v1 WHERE a > 1;
