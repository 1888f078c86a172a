-- A trip's notifications reach each device in the order they happened: the workers take
-- only the oldest queued message of each subscription and trip (the others wait behind
-- it, also while it is put off after a failure), so news told later never overtakes
-- news told earlier, as it did when a failed message was retried after a newer one had
-- gone. This index finds "is there an older one" for each due message in one lookup.
create index push_outbox_per_trip on push_outbox (subscription_id, trip_id, id);

-- Booking lanes of several server processes meet on the same rows: every process has a
-- lane for each gate day, and each batch takes a slot's row, then the gate day's
-- counter, then the next slot's row... Two batches of one gate day from two processes
-- took slots in different orders around the one gate day they both need, and deadlocked
-- (detected after deadlock_timeout, 1 s, then retried): with two processes the booking
-- storm fell from 420 to 44 bookings a second, with three to 18. A batch now locks every
-- gate day it will count in (its slots' days, and the days of the bookings it moves away
-- from) first, in one order, so batches of the same days queue on the first lock instead
-- of crossing each other. One process (one lane per gate day) is unchanged: the first
-- booking of a batch took that lock anyway.
create or replace function book_slots(
  p_firm uuid[], p_actor uuid[], p_trip uuid[], p_slot bigint[], p_key text[], p_request text[],
  p_regular_cap integer[], p_firm_cap integer[], p_pass_code text[], p_moving boolean[], p_late boolean[]
) returns table (ordinal integer, booking uuid, error_code text, error_message text, error_constraint text)
language plpgsql as $$
begin
  perform 1 from gate_days d
   where (d.gate_id, d.direction, d.local_day) in (
           select s.gate_id, s.direction, s.local_day from slots s where s.id = any (p_slot)
           union
           select s.gate_id, s.direction, s.local_day
             from bookings b join slots s on s.id = b.slot_id
            where b.trip_id = any (p_trip) and b.status = 'active')
   order by d.gate_id, d.direction, d.local_day
   for update of d;
  for i in 1 .. coalesce(array_length(p_trip, 1), 0) loop
    ordinal := i;
    booking := null;
    error_code := null;
    error_message := null;
    error_constraint := null;
    begin
      booking := book_slot(p_firm[i], p_actor[i], p_trip[i], p_slot[i], p_key[i], p_request[i],
                           p_regular_cap[i], p_firm_cap[i], p_pass_code[i], p_moving[i], p_late[i]);
    exception when others then
      get stacked diagnostics error_code = returned_sqlstate, error_message = message_text,
                              error_constraint = constraint_name;
    end;
    return next;
  end loop;
end;
$$;
