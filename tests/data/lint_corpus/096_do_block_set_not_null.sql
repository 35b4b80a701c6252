-- label: unsafe
-- why: a DO block runs
DO $$
BEGIN
  ALTER TABLE orders ALTER COLUMN amount SET NOT NULL;
END
$$;
