-- label: safe
-- why: the index exists
ALTER TABLE orders ADD CONSTRAINT orders_id_note_uq UNIQUE USING INDEX orders_id_note;
