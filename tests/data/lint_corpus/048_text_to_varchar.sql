-- label: unsafe
-- why: rewrites
ALTER TABLE customers ALTER COLUMN email TYPE varchar(100);
