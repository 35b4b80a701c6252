-- @a
CREATE TABLE t (id bigint PRIMARY KEY, a int, b text); CREATE INDEX t_a ON t (a); CREATE VIEW v AS SELECT a FROM t;
-- @b
CREATE TYPE kind AS ENUM ('x'); CREATE TABLE t (id bigint PRIMARY KEY, a bigint NOT NULL DEFAULT 0, k kind, c text); CREATE INDEX t_a ON t (a, id); CREATE VIEW v AS SELECT a, k FROM t; CREATE TABLE u (id int PRIMARY KEY, t_id bigint REFERENCES t);
