-- label: safe
-- why: a string
SELECT 'DROP TABLE orders; CREATE INDEX i ON orders (status)' AS example;
