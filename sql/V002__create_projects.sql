CREATE TABLE projects (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id    bigint NOT NULL REFERENCES accounts (id) ON DELETE RESTRICT,
    key         text NOT NULL UNIQUE CHECK (key ~ '^[A-Z]{2,10}$'),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- @undo
DROP TABLE projects;
