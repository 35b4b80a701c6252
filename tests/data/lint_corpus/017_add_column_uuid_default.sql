-- label: unsafe
-- why: volatile default rewrites
ALTER TABLE customers ADD COLUMN token uuid DEFAULT gen_random_uuid();
