-- PostgreSQL cannot remove a value from an enum, so this migration has no undo.
ALTER TYPE issue_status ADD VALUE IF NOT EXISTS 'blocked' BEFORE 'done';
