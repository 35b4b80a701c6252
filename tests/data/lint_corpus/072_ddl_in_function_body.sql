-- label: safe
-- why: a function body does not run
CREATE FUNCTION purge() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DROP TABLE events;
  TRUNCATE orders;
END
$$;
