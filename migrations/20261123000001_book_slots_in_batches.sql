-- Booking in batches. A booking lane of the server (app/src/server/bookings/lanes.rs)
-- sends the bookings waiting for one gate day in one statement, so that they share one
-- commit and one WAL flush instead of paying one each. Every booking runs book_slot in a
-- subtransaction of its own, exactly as if it were alone: a refusal or any other error
-- undoes that booking only, and comes back with its SQLSTATE, message and constraint, as
-- book_slot's own error would have. The answers come in the order of the arrays.
create function book_slots(
  p_firm uuid[], p_actor uuid[], p_trip uuid[], p_slot bigint[], p_key text[], p_request text[],
  p_regular_cap integer[], p_firm_cap integer[], p_pass_code text[], p_moving boolean[], p_late boolean[]
) returns table (ordinal integer, booking uuid, error_code text, error_message text, error_constraint text)
language plpgsql as $$
begin
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
