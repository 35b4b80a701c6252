-- label: unsafe
-- why: volatile default rewrites
ALTER TABLE orders ADD COLUMN r float8 DEFAULT random();
