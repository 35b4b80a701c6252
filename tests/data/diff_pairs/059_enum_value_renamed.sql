-- @a
CREATE TYPE mood AS ENUM ('sad', 'ok', 'great'); CREATE TABLE t (m mood DEFAULT 'ok');
-- @b
CREATE TYPE mood AS ENUM ('sad', 'fine', 'great'); CREATE TABLE t (m mood DEFAULT 'fine');
