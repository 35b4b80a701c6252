-- label: unsafe
-- why: builds under ACCESS EXCLUSIVE
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&);
