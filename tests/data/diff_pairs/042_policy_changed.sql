-- @a
CREATE TABLE t (a int); CREATE POLICY small ON t FOR SELECT USING (a < 10);
-- @b
CREATE TABLE t (a int); CREATE POLICY small ON t FOR SELECT USING (a < 20);
