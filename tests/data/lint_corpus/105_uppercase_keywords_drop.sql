-- label: unsafe
-- why: data loss
ALTER TABLE ORDERS DROP COLUMN NOTE;
