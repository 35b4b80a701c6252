-- label: safe
-- why: new objects
CREATE TYPE status_t AS ENUM ('a', 'b');
CREATE TABLE flags (s status_t);
