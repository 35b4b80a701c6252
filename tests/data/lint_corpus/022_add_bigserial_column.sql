-- label: unsafe
-- why: nextval default: rewrite
ALTER TABLE logs ADD COLUMN seq bigserial;
