-- label: unsafe
-- why: rewrites
ALTER TABLE logs ALTER COLUMN msg TYPE jsonb USING to_jsonb(msg);
