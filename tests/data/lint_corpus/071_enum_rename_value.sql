-- label: unsafe
-- why: breaks clients
ALTER TYPE mood RENAME VALUE 'meh' TO 'so-so';
