-- label: unsafe
-- why: rebuilds the view under ACCESS EXCLUSIVE (a new relfilenode): readers wait for the whole query
REFRESH MATERIALIZED VIEW booking_buckets;
