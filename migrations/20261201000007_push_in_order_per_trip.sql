-- A trip's notifications reach each device in the order they happened: the workers take
-- only the oldest queued message of each subscription and trip (the others wait behind
-- it, also while it is put off after a failure), so news told later never overtakes
-- news told earlier, as it did when a failed message was retried after a newer one had
-- gone. This index finds "is there an older one" for each due message in one lookup.
create index push_outbox_per_trip on push_outbox (subscription_id, trip_id, id);
