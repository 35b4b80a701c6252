-- @a
CREATE TABLE t (id integer DEFAULT 0 NOT NULL, a int);
-- @b
CREATE TABLE t (id integer GENERATED ALWAYS AS IDENTITY, a int);
