-- Seed data so the demo has something to look at.
INSERT INTO accounts (email) VALUES ('ada@example.com'), ('grace@example.com');

INSERT INTO projects (owner_id, key, name)
SELECT id, 'CORE', 'Core platform' FROM accounts WHERE email = 'ada@example.com';

INSERT INTO issues (project_id, reporter_id, title, body)
SELECT p.id, a.id, t.title, t.body
FROM projects p
CROSS JOIN accounts a
CROSS JOIN (VALUES ('Login page is slow', 'p95 is 2s; it should be 200ms.'),
                   ('Export to CSV', 'Customers ask for it; semicolons; quotes '' and all.')) AS t (title, body)
WHERE p.key = 'CORE' AND a.email = 'grace@example.com';

-- @undo
DELETE FROM issues WHERE project_id IN (SELECT id FROM projects WHERE key = 'CORE');
DELETE FROM projects WHERE key = 'CORE';
DELETE FROM accounts WHERE email IN ('ada@example.com', 'grace@example.com');
