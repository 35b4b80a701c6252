-- label: unsafe
-- why: a DO block runs
DO $$ BEGIN EXECUTE 'CREATE INDEX orders_note ON orders (note)'; END $$;
