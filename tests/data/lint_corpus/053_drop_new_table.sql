-- label: safe
-- why: created in the same file
CREATE TABLE scratch (id int);
DROP TABLE scratch;
