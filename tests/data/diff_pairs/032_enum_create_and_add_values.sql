-- @a
CREATE TYPE mood AS ENUM ('ok', 'great');
-- @b
CREATE TYPE mood AS ENUM ('bad', 'ok', 'meh', 'great', 'superb'); CREATE TYPE size AS ENUM ('s', 'm');
