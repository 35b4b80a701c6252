-- @a

-- @b
CREATE EXTENSION IF NOT EXISTS citext; CREATE TABLE t (e citext);
