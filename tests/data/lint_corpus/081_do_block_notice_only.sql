-- label: safe
-- why: prints only
DO $$ BEGIN RAISE NOTICE 'would DROP TABLE orders'; END $$;
