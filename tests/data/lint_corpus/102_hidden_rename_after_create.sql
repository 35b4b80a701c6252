-- label: unsafe
-- why: renames an existing column
CREATE TABLE tags (id int);
ALTER TABLE orders RENAME COLUMN note TO remark;
