-- label: safe
-- why: new tables
CREATE TABLE measurements (ts timestamptz NOT NULL, v int) PARTITION BY RANGE (ts);
CREATE TABLE measurements_2026 PARTITION OF measurements FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
