-- A constant default is a catalog-only change since PostgreSQL 11: no table rewrite.
ALTER TABLE issues
    ADD COLUMN priority smallint NOT NULL DEFAULT 3,
    ADD CONSTRAINT issues_priority_range CHECK (priority BETWEEN 1 AND 5);

-- @undo
ALTER TABLE issues DROP COLUMN priority;
