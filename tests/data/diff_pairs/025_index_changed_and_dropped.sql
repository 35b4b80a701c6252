-- @a
CREATE TABLE t (a int, b int); CREATE INDEX t_i ON t (a); CREATE INDEX t_gone ON t (b);
-- @b
CREATE TABLE t (a int, b int); CREATE INDEX t_i ON t (a, b);
