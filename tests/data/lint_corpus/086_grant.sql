-- label: safe
-- why: catalog only
GRANT SELECT ON orders TO PUBLIC;
