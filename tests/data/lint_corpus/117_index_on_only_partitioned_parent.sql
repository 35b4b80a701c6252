-- label: safe
-- why: ON ONLY a partitioned parent makes an invalid parent index; no partition is locked or scanned
CREATE INDEX readings_v ON ONLY readings (v);
