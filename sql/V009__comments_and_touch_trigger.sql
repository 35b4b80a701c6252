CREATE TABLE comments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issue_id    bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    author_id   bigint NOT NULL REFERENCES accounts (id),
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Semicolons inside the dollar-quoted body do not end the statement.
CREATE FUNCTION touch_issue() RETURNS trigger
LANGUAGE plpgsql AS $touch$
BEGIN
    UPDATE issues SET updated_at = now() WHERE id = NEW.issue_id;
    RETURN NEW;
END;
$touch$;

CREATE TRIGGER comments_touch_issue
    AFTER INSERT ON comments
    FOR EACH ROW EXECUTE FUNCTION touch_issue();

-- @undo
DROP TRIGGER comments_touch_issue ON comments;
DROP FUNCTION touch_issue();
DROP TABLE comments;
