-- @a
CREATE TABLE t (a int, b int); GRANT SELECT ON t TO dbwb_diff_r1;
-- @b
CREATE TABLE t (a int, b int); GRANT INSERT, UPDATE ON t TO dbwb_diff_r1 WITH GRANT OPTION; GRANT SELECT (a) ON t TO dbwb_diff_r2;
