-- label: unsafe
-- why: a DO block runs
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'events') THEN
    DROP TABLE events;
  END IF;
END
$$;
