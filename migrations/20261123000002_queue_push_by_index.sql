-- Queuing a trip event's notifications looked its users up with an OR (the firm's
-- admins and clerks, or the trip's driver) that no index serves: a scan of every user
-- at every event, the largest part of a booking's cost in the database (0.3-0.6 ms of
-- book_slot's ~1 ms, measured in the booking storm's database). The same users, found
-- by two indexed lookups, in plpgsql so that the plan is made once per connection.
create or replace function queue_push(p_trip uuid, p_kind text, p_topic text, p_event bigint) returns void
language plpgsql as $$
begin
  insert into push_outbox (subscription_id, trip_id, kind, topic, event_id)
  select s.id, p_trip, p_kind, p_topic, p_event
    from push_subscriptions s
   where p_topic = any (s.topics)
     and s.user_id in (
       select u.id from trips t join users u on u.firm_id = t.firm_id
        where t.id = p_trip and u.active and u.role in ('firm_admin', 'firm_clerk')
       union all
       select u.id from trips t join users u on u.id = t.driver_id
        where t.id = p_trip and u.active);
end;
$$;
