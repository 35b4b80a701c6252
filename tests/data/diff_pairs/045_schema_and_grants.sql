-- @a

-- @b
CREATE SCHEMA app; COMMENT ON SCHEMA app IS 'app'; GRANT USAGE ON SCHEMA app TO dbwb_diff_r1; CREATE TABLE app.t (a int);
