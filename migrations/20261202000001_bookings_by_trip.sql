-- A trip's bookings, whatever their status. Reading a trip's current booking
-- (`status in ('active', 'arrived')`), its lane for push, its history, could use
-- no index: `bookings_one_active_per_trip` covers active bookings only, so each
-- such read scanned the whole table (in the day-at-the-gate benchmark: 3,160
-- sequential scans reading 82 million rows for 500 trips, most of PostgreSQL's CPU).
create index bookings_trip on bookings (trip_id);
