-- label: unsafe
-- why: varchar(50) grows, but a CHECK on the column is verified again: a scan under ACCESS EXCLUSIVE
ALTER TABLE customers ALTER COLUMN name TYPE varchar(80);
