-- @a
CREATE TABLE t (r tsrange);
-- @b
CREATE TABLE t (r tsrange, EXCLUDE USING gist (r WITH &&));
