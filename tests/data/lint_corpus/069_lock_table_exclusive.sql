-- label: safe
-- why: the lock is held until commit, but the rest of the file is instant: keep a lock_timeout
LOCK TABLE customers IN ACCESS EXCLUSIVE MODE;
UPDATE customers SET name = name WHERE id = 1;
