-- People who use the tracker.
CREATE TABLE accounts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       text NOT NULL UNIQUE CHECK (email LIKE '%@%'),
    created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE accounts IS 'Accounts of ${company}';

-- @undo
DROP TABLE accounts;
