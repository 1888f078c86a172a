-- The active bookings are a small part of a table that keeps every past booking, and
-- they change fast. By default PostgreSQL refreshes a table's statistics once a tenth
-- of it has changed: on a portal with a million past bookings, a hundred thousand
-- bookings later. Plans made meanwhile believe the number of active bookings they were
-- made with; one made when it was near zero (a new portal, a day whose bookings were all
-- cancelled) may read every active booking of the portal at each request (the lookup of
-- a trip's booking looks no cheaper than a scan of an index believed empty). A fixed
-- threshold keeps the statistics, and with them the cached plans, minutes old at most.
alter table bookings set (autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 2000);
