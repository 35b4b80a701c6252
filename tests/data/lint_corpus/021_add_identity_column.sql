-- label: unsafe
-- why: fills every row: rewrite
ALTER TABLE logs ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
