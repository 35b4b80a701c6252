-- label: unsafe
-- why: rebuilds indexes blocking writes
REINDEX TABLE orders;
