-- Built CONCURRENTLY so writers are not blocked: dbworkbench runs this file outside a transaction,
-- statement by statement, and resumes at the failed statement after an error.
CREATE INDEX CONCURRENTLY issues_project_status_idx ON issues (project_id, status);
CREATE INDEX CONCURRENTLY issues_reporter_idx ON issues (reporter_id);
