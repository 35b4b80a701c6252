-- label: unsafe
-- why: varchar(50) shrinks: every row is checked and the table rewritten
ALTER TABLE customers ALTER COLUMN name TYPE varchar(30);
