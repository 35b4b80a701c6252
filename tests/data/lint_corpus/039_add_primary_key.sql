-- label: unsafe
-- why: builds the index under ACCESS EXCLUSIVE
ALTER TABLE logs ADD PRIMARY KEY (id);
