-- @a
CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED);
-- @b
CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 3) STORED);
