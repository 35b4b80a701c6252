-- @a
CREATE TABLE t (id bigint PRIMARY KEY, a int, b text);
-- @b
CREATE TABLE t (id bigint PRIMARY KEY, a int, b text); CREATE MATERIALIZED VIEW m AS SELECT count(*) AS n FROM t; COMMENT ON MATERIALIZED VIEW m IS 'count';
