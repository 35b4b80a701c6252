-- @a

-- @b
CREATE DOMAIN positive AS int NOT NULL DEFAULT 1 CHECK (VALUE > 0); CREATE TABLE t (p positive);
