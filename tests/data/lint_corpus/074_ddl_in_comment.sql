-- label: safe
-- why: comments
-- DROP TABLE orders;
/* ALTER TABLE orders DROP COLUMN note; */
SELECT 1;
