-- Base schema every corpus file runs against: populated tables, so locks, scans and rewrites are real.
CREATE TYPE mood AS ENUM ('ok', 'meh');
CREATE SCHEMA archive;
CREATE TABLE archive.old_orders (id bigint PRIMARY KEY);
INSERT INTO archive.old_orders SELECT generate_series(1, 100);
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, name varchar(50), created_at timestamptz DEFAULT now(),
                        CONSTRAINT customers_name_present CHECK (name IS NOT NULL));
INSERT INTO customers SELECT g, 'c' || g || '@example.com', 'name ' || g FROM generate_series(1, 2000) g;
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, status text NOT NULL DEFAULT 'new',
                     amount numeric(10,2), note varchar(20), m mood DEFAULT 'ok', created_at timestamptz DEFAULT now());
INSERT INTO orders SELECT g, g % 2000 + 1, 'new', g, 'n', 'ok' FROM generate_series(1, 20000) g;
CREATE INDEX orders_customer ON orders (customer_id);
CREATE UNIQUE INDEX orders_id_note ON orders (id, note);
CREATE TABLE events (id bigint PRIMARY KEY, payload jsonb);
INSERT INTO events SELECT g, '{}' FROM generate_series(1, 5000) g;
CREATE TABLE logs (id bigint NOT NULL, msg text);
INSERT INTO logs SELECT g, 'm' FROM generate_series(1, 5000) g;
CREATE UNIQUE INDEX logs_id ON logs (id);
CREATE TABLE bookings (id int, during tsrange);
INSERT INTO bookings SELECT g, tsrange(now()::timestamp + g * interval '1 hour', now()::timestamp + (g + 1) * interval '1 hour') FROM generate_series(1, 500) g;
ANALYZE;
CREATE MATERIALIZED VIEW booking_buckets AS SELECT id % 50 AS bucket, count(*) AS n FROM bookings GROUP BY 1;
CREATE UNIQUE INDEX booking_buckets_bucket ON booking_buckets (bucket);
CREATE TABLE readings (day date NOT NULL, v int) PARTITION BY RANGE (day);
CREATE TABLE readings_2025 PARTITION OF readings FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE readings_2026 PARTITION OF readings FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO readings SELECT date '2025-01-01' + g % 700, g FROM generate_series(1, 3000) g;
ANALYZE;
CREATE FUNCTION next_code() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT md5(random()::text) $$;
CREATE FUNCTION site_name() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'main' $$;
CREATE UNIQUE INDEX bookings_id ON bookings (id);
