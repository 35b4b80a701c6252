-- label: safe
-- why: nobody uses it yet
CREATE TABLE tmp_import (a int);
ALTER TABLE tmp_import RENAME COLUMN a TO b;
ALTER TABLE tmp_import RENAME TO imports;
