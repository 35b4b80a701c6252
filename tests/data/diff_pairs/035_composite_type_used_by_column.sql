-- @a

-- @b
CREATE TYPE pair AS (x int, y text); CREATE TABLE t (p pair);
