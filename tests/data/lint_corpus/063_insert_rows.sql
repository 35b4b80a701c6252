-- label: safe
-- why: adds rows
INSERT INTO customers (id, email, name) VALUES (9001, 'new@example.com', 'new');
