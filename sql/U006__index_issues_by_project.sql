DROP INDEX CONCURRENTLY IF EXISTS issues_reporter_idx;
DROP INDEX CONCURRENTLY IF EXISTS issues_project_status_idx;
