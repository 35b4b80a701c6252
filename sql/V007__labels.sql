CREATE TABLE labels (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name        text NOT NULL,
    colour      text NOT NULL DEFAULT '#888888' CHECK (colour ~ '^#[0-9a-f]{6}$'),
    UNIQUE (project_id, name)
);

CREATE TABLE issue_labels (
    issue_id    bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    label_id    bigint NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, label_id)
);

-- @undo
DROP TABLE issue_labels;
DROP TABLE labels;
