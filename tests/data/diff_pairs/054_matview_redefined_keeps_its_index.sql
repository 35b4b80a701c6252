-- @a
CREATE TABLE t (id bigint PRIMARY KEY, a int); CREATE MATERIALIZED VIEW m AS SELECT id, a FROM t; CREATE UNIQUE INDEX m_id_idx ON m (id);
-- @b
CREATE TABLE t (id bigint PRIMARY KEY, a int, b text); CREATE MATERIALIZED VIEW m AS SELECT id, a, b FROM t; CREATE UNIQUE INDEX m_id_idx ON m (id);
