-- label: unsafe
-- why: bookings.id may hold NULL: the primary key sets it NOT NULL first, a scan under ACCESS EXCLUSIVE
ALTER TABLE bookings ADD CONSTRAINT bookings_pkey PRIMARY KEY USING INDEX bookings_id;
