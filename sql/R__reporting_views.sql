-- Repeatable: re-applied whenever this file changes, after all versioned migrations.
CREATE OR REPLACE VIEW open_issues_by_project AS
SELECT p.key AS project, i.status, count(*) AS issues
FROM issues i
JOIN projects p ON p.id = i.project_id
WHERE i.status <> 'done'
GROUP BY p.key, i.status;
