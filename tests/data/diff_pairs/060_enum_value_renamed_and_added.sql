-- @a
CREATE TYPE mood AS ENUM ('sad', 'ok');
-- @b
CREATE TYPE mood AS ENUM ('unhappy', 'ok', 'great');
