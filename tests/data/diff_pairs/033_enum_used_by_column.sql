-- @a

-- @b
CREATE TYPE mood AS ENUM ('ok'); CREATE TABLE t (m mood DEFAULT 'ok');
