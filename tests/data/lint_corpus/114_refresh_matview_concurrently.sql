-- label: safe
-- why: CONCURRENTLY updates the view in place under EXCLUSIVE: readers go on
-- dbworkbench:no-transaction
REFRESH MATERIALIZED VIEW CONCURRENTLY booking_buckets;
