-- label: safe
-- why: new table
CREATE TABLE t2 (a int);
CREATE INDEX t2_a ON t2 (a);
DROP INDEX t2_a;
