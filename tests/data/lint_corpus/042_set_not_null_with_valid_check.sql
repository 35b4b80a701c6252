-- label: safe
-- why: a valid CHECK (name IS NOT NULL) exists: no scan on 12+
ALTER TABLE customers ALTER COLUMN name SET NOT NULL;
