ALTER TABLE accounts ADD COLUMN display_name text;

UPDATE accounts SET display_name = split_part(email, '@', 1) WHERE display_name IS NULL;

ALTER TABLE accounts ALTER COLUMN display_name SET NOT NULL;

-- @undo
ALTER TABLE accounts DROP COLUMN display_name;
