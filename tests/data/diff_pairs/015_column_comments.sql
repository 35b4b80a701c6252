-- @a
CREATE TABLE t (a int, b int); COMMENT ON COLUMN t.a IS 'old';
-- @b
CREATE TABLE t (a int, b int); COMMENT ON COLUMN t.b IS 'new'; COMMENT ON TABLE t IS 'table';
