-- @a
CREATE TABLE t (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, a int);
-- @b
CREATE TABLE t (id serial PRIMARY KEY, a int);
