-- label: unsafe
-- why: data loss
ALTER TABLE orders DROP COLUMN note;
