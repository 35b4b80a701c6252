-- @a
CREATE TABLE t (id bigint PRIMARY KEY, a int);
-- @b
CREATE TABLE t (id bigint PRIMARY KEY, a int); CREATE MATERIALIZED VIEW m AS SELECT id, a FROM t WITH NO DATA; CREATE UNIQUE INDEX m_id_idx ON m (id);
