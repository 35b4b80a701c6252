-- label: safe
-- why: catalog only
ALTER TYPE mood ADD VALUE 'great';
