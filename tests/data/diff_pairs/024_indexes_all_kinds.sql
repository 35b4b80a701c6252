-- @a
CREATE TABLE t (a int, b text, c int);
-- @b
CREATE TABLE t (a int, b text, c int); CREATE UNIQUE INDEX t_a ON t (a); CREATE INDEX t_lower_b ON t (lower(b)) INCLUDE (c) WHERE a > 0; CREATE INDEX t_brin ON t USING brin (c);
