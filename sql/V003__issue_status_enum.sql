CREATE TYPE issue_status AS ENUM ('open', 'in_progress', 'done');

-- @undo
DROP TYPE issue_status;
