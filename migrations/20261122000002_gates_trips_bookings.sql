-- Gates and their capacity plans, materialised slots, trips, bookings and the trip
-- event log.
--
-- What must never break is enforced here as well as in Rust: a slot never holds more
-- bookings than its capacity (slots_never_overbooked), a trip holds at most one active
-- booking (bookings_one_active_per_trip), a trip's vehicle and driver belong to its firm
-- and the driver is a driver (composite foreign keys), and events are never edited.

create table gates (
  id text primary key check (id ~ '^[a-z0-9-]{2,40}$'),
  name_vi text not null,
  name_en text not null,
  name_zh text not null,
  border_markers text not null,
  -- IANA zone names: the same slot is a different clock hour on each side.
  time_zone text not null,
  other_side_vi text not null,
  other_side_en text not null,
  other_side_zh text not null,
  other_side_time_zone text not null,
  active boolean not null default true,
  -- The capacity plan. Every default of ../shared/domain.md is a column, so each gate
  -- can set its own (GatePolicy in app/src/domain/booking.rs reads them).
  slot_minutes integer not null default 60 check (slot_minutes in (15, 20, 30, 60, 120)),
  opens_minute integer not null default 0 check (opens_minute between 0 and 1439),
  closes_minute integer not null default 1440 check (closes_minute between 1 and 1440),
  export_capacity integer not null check (export_capacity between 0 and 10000),
  import_capacity integer not null check (import_capacity between 0 and 10000),
  -- The receiving side's daily intake per direction; null is no limit.
  export_daily_intake integer check (export_daily_intake > 0),
  import_daily_intake integer check (import_daily_intake > 0),
  horizon_days integer not null default 7 check (horizon_days between 1 and 90),
  lead_minutes integer not null default 60 check (lead_minutes >= 0),
  free_change_minutes integer not null default 120 check (free_change_minutes >= 0),
  arrive_before_minutes integer not null default 30 check (arrive_before_minutes >= 0),
  arrive_after_minutes integer not null default 30 check (arrive_after_minutes >= 0),
  firm_share_percent integer not null default 20 check (firm_share_percent between 1 and 100),
  perishable_share_percent integer not null default 30 check (perishable_share_percent between 0 and 100),
  perishable_release_hours integer not null default 6 check (perishable_release_hours >= 0),
  strike_window_days integer not null default 30 check (strike_window_days > 0),
  no_show_strikes integer not null default 1 check (no_show_strikes >= 0),
  late_cancel_strikes integer not null default 2 check (late_cancel_strikes >= 0),
  block_days integer not null default 7 check (block_days >= 0),
  updated_at timestamptz not null default now(),
  check (closes_minute > opens_minute)
);
create trigger gates_updated_at before update on gates for each row execute function set_updated_at();

-- Which gate admins (and, later, officers) work which gate.
create table gate_staff (
  gate_id text not null references gates (id),
  user_id uuid not null references users (id),
  primary key (gate_id, user_id)
);

-- A holiday or an outage: no slot overlapping it takes bookings.
create table gate_closures (
  id uuid primary key default gen_random_uuid(),
  gate_id text not null references gates (id),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  reason text not null check (char_length(reason) between 2 and 300),
  created_by uuid not null references users (id),
  created_at timestamptz not null default now(),
  check (ends_at > starts_at)
);
create index gate_closures_gate on gate_closures (gate_id, ends_at);

-- Slots are materialised ahead (the horizon and a day more) from each gate's plan.
create table slots (
  id bigint generated always as identity primary key,
  gate_id text not null references gates (id),
  direction text not null check (direction in ('export', 'import')),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  -- The gate's local date of the start: the day view and the daily intake use it.
  local_day date not null,
  capacity integer not null check (capacity >= 0),
  -- Bookings a capacity cut left beyond the new capacity: listed for the gate admin to
  -- move; it only ever shrinks, as they move or end.
  overflow integer not null default 0 check (overflow >= 0),
  booked integer not null default 0,
  booked_perishable integer not null default 0,
  constraint slots_never_overbooked check (booked >= 0 and booked <= capacity + overflow),
  constraint slots_perishable_within_booked check (booked_perishable between 0 and booked),
  constraint slots_unique_start unique (gate_id, direction, starts_at),
  check (ends_at > starts_at)
);
create index slots_day on slots (gate_id, local_day, direction, starts_at);

-- How many bookings each firm holds in a slot (the firm share is checked against it).
create table slot_firms (
  slot_id bigint not null references slots (id),
  firm_id uuid not null references firms (id),
  booked integer not null check (booked >= 0),
  primary key (slot_id, firm_id)
);

-- Bookings per gate, direction and local day, against the receiving side's intake.
create table gate_days (
  gate_id text not null references gates (id),
  direction text not null check (direction in ('export', 'import')),
  local_day date not null,
  intake_limit integer check (intake_limit > 0),
  booked integer not null default 0 check (booked >= 0),
  primary key (gate_id, direction, local_day)
);

-- Lets trips require "a driver of this firm" with one composite foreign key.
alter table users add constraint users_id_firm_role_key unique (id, firm_id, role);

create table trips (
  id uuid primary key default gen_random_uuid(),
  firm_id uuid not null references firms (id),
  vehicle_id uuid,
  driver_id uuid,
  -- Always 'driver': the foreign key below then accepts only drivers of the firm.
  driver_role text not null default 'driver' check (driver_role = 'driver'),
  direction text check (direction in ('export', 'import')),
  gate_id text references gates (id),
  planned_date date,
  cargo_description text check (char_length(cargo_description) between 2 and 500),
  hs_code text check (hs_code ~ '^[0-9]{6}([0-9]{2})?$'),
  cargo_weight_kg integer check (cargo_weight_kg between 1 and 60000),
  packages integer check (packages between 1 and 100000),
  containers text[] not null default '{}',
  customs_declaration text check (customs_declaration ~ '^[0-9]{12}$'),
  seal_number text check (seal_number ~ '^[A-Z0-9]{4,20}$'),
  perishable boolean not null default false,
  refrigerated boolean not null default false,
  set_temperature_tenths smallint check (set_temperature_tenths between -300 and 300),
  quarantine_required boolean not null default false,
  status text not null default 'draft' check (status in (
    'draft', 'declared', 'booked', 'arrived', 'called_forward', 'inspection', 'held',
    'cleared', 'exited', 'rejected', 'cancelled', 'no_show')),
  created_by uuid not null references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint trips_vehicle_of_firm foreign key (vehicle_id, firm_id) references vehicles (id, firm_id),
  constraint trips_driver_of_firm foreign key (driver_id, firm_id, driver_role) references users (id, firm_id, role),
  -- Beyond a draft, a trip is complete (TripForm::parse with Intent::Declare agrees).
  constraint trips_declared_are_complete check (status = 'draft' or (
    vehicle_id is not null and driver_id is not null and direction is not null
    and gate_id is not null and planned_date is not null and cargo_description is not null
    and hs_code is not null and cargo_weight_kg is not null and packages is not null
    and customs_declaration is not null)),
  constraint trips_refrigerated_have_temperature check (not refrigerated or status = 'draft' or set_temperature_tenths is not null)
);
create index trips_firm on trips (firm_id, created_at desc);
create index trips_driver on trips (driver_id) where driver_id is not null;
create trigger trips_updated_at before update on trips for each row execute function set_updated_at();

create table bookings (
  id uuid primary key default gen_random_uuid(),
  trip_id uuid not null references trips (id),
  slot_id bigint not null references slots (id),
  firm_id uuid not null references firms (id),
  vehicle_id uuid not null references vehicles (id),
  perishable boolean not null,
  status text not null default 'active' check (status in ('active', 'moved', 'cancelled', 'no_show', 'arrived')),
  -- Ended by a cancellation or move too close to the slot: a strike for the vehicle.
  late boolean not null default false,
  -- A capacity cut left this booking beyond the slot's new capacity.
  must_move boolean not null default false,
  -- A short code a guard can type when the QR cannot be scanned.
  pass_code text not null constraint bookings_pass_code_key unique,
  created_by uuid not null references users (id),
  created_at timestamptz not null default now(),
  ended_at timestamptz
);
-- One slot per trip.
create unique index bookings_one_active_per_trip on bookings (trip_id) where status = 'active';
create index bookings_slot_active on bookings (slot_id) where status = 'active';
create index bookings_vehicle_strikes on bookings (vehicle_id, ended_at) where status = 'no_show' or late;

-- Idempotency: the first request under a firm's key claims it; a retry of the same
-- request finds its booking; another request under the same key is refused.
create table booking_requests (
  firm_id uuid not null references firms (id),
  key text not null check (char_length(key) between 8 and 100),
  request text not null,
  booking_id uuid references bookings (id),
  created_at timestamptz not null default now(),
  primary key (firm_id, key)
);

-- Every change of a trip, with who, when, where and why. Append-only.
create table trip_events (
  id bigint generated always as identity primary key,
  trip_id uuid not null references trips (id),
  kind text not null,
  actor_id uuid references users (id),
  actor_role text,
  agency text,
  gate_id text references gates (id),
  at timestamptz not null default now(),
  reason text,
  details jsonb not null default '{}'
);
create index trip_events_trip on trip_events (trip_id, id);

create function refuse_event_change() returns trigger language plpgsql as $$
begin
  raise exception 'trip events are append-only' using errcode = 'BG900';
end;
$$;
create trigger trip_events_append_only before update or delete on trip_events
  for each row execute function refuse_event_change();
create trigger trip_events_no_truncate before truncate on trip_events
  for each statement execute function refuse_event_change();

-- Taking one place in a slot for a trip, in one statement: every counter is raised
-- only if it stays within its limit, so concurrent bookers can never overbook. A
-- refusal raises an error named after its reason (errcode BG001 + message) and so
-- undoes everything the statement did. Caps that depend on time (the perishable
-- reserve) and on the firm share are computed by the domain rules in Rust and passed in.
create function take_slot(p_trip trips, p_slot bigint, p_regular_cap integer, p_firm_cap integer) returns slots
language plpgsql as $$
declare
  v_slot slots;
begin
  update slots
     set booked = booked + 1,
         booked_perishable = booked_perishable + (case when p_trip.perishable then 1 else 0 end)
   where id = p_slot
     and gate_id = p_trip.gate_id
     and direction = p_trip.direction
     and booked < capacity
     and (p_trip.perishable or booked - booked_perishable < p_regular_cap)
  returning * into v_slot;
  if v_slot.id is null then
    select * into v_slot from slots where id = p_slot;
    if v_slot.id is null or v_slot.gate_id <> p_trip.gate_id or v_slot.direction <> p_trip.direction then
      raise exception 'wrong_slot' using errcode = 'BG001';
    elsif v_slot.booked >= v_slot.capacity then
      raise exception 'slot_full' using errcode = 'BG001';
    else
      raise exception 'reserved_for_perishable' using errcode = 'BG001';
    end if;
  end if;
  insert into slot_firms as counted (slot_id, firm_id, booked) values (p_slot, p_trip.firm_id, 1)
    on conflict (slot_id, firm_id) do update set booked = counted.booked + 1 where counted.booked < p_firm_cap;
  if not found then
    raise exception 'firm_share' using errcode = 'BG001';
  end if;
  update gate_days set booked = booked + 1
   where gate_id = v_slot.gate_id and direction = v_slot.direction and local_day = v_slot.local_day
     and (intake_limit is null or booked < intake_limit);
  if not found then
    raise exception 'daily_intake' using errcode = 'BG001';
  end if;
  return v_slot;
end;
$$;

-- Gives a place back: the reverse of take_slot. A slot a capacity cut left over its
-- capacity shrinks its overflow first.
create function release_slot(p_booking bookings) returns void language plpgsql as $$
begin
  update slots
     set booked = booked - 1,
         booked_perishable = booked_perishable - (case when p_booking.perishable then 1 else 0 end),
         overflow = case when booked > capacity then overflow - 1 else overflow end
   where id = p_booking.slot_id;
  update slot_firms set booked = booked - 1 where slot_id = p_booking.slot_id and firm_id = p_booking.firm_id;
  update gate_days d set booked = d.booked - 1
    from slots s
   where s.id = p_booking.slot_id and d.gate_id = s.gate_id and d.direction = s.direction and d.local_day = s.local_day;
end;
$$;

-- Books a declared trip into a slot, or (with p_moving) moves its active booking there,
-- atomically: the user never ends with two slots or none. Returns the booking, which
-- for a retried request is the one the first attempt made.
create function book_slot(
  p_firm uuid, p_actor uuid, p_trip uuid, p_slot bigint, p_key text, p_request text,
  p_regular_cap integer, p_firm_cap integer, p_pass_code text, p_moving boolean, p_late boolean
) returns uuid language plpgsql as $$
declare
  v_trip trips;
  v_slot slots;
  v_old bookings;
  v_booking uuid;
  v_claimed booking_requests;
begin
  insert into booking_requests (firm_id, key, request) values (p_firm, p_key, p_request)
    on conflict do nothing;
  if not found then
    select * into v_claimed from booking_requests where firm_id = p_firm and key = p_key;
    if v_claimed.request <> p_request then
      raise exception 'key_reused' using errcode = 'BG001';
    end if;
    return v_claimed.booking_id;
  end if;

  select * into v_trip from trips where id = p_trip and firm_id = p_firm for update;
  if v_trip.id is null then
    raise exception 'not_found' using errcode = 'BG001';
  end if;
  if p_moving then
    select * into v_old from bookings where trip_id = p_trip and status = 'active' for update;
    if v_trip.status <> 'booked' or v_old.id is null then
      raise exception 'trip_not_booked' using errcode = 'BG001';
    end if;
    if v_old.slot_id = p_slot then
      raise exception 'same_slot' using errcode = 'BG001';
    end if;
    update bookings set status = 'moved', late = p_late, ended_at = now() where id = v_old.id;
    perform release_slot(v_old);
  elsif v_trip.status <> 'declared' then
    raise exception 'trip_not_bookable' using errcode = 'BG001';
  end if;

  v_slot := take_slot(v_trip, p_slot, p_regular_cap, p_firm_cap);
  insert into bookings (trip_id, slot_id, firm_id, vehicle_id, perishable, pass_code, created_by)
    values (p_trip, p_slot, p_firm, v_trip.vehicle_id, v_trip.perishable, p_pass_code, p_actor)
    returning id into v_booking;
  update trips set status = 'booked' where id = p_trip;
  insert into trip_events (trip_id, kind, actor_id, gate_id, details)
    values (p_trip, case when p_moving then 'moved' else 'booked' end, p_actor, v_slot.gate_id,
            jsonb_build_object('slot_id', v_slot.id, 'starts_at', v_slot.starts_at, 'late', p_late,
                               'from_slot_id', v_old.slot_id));
  update booking_requests set booking_id = v_booking where firm_id = p_firm and key = p_key;
  return v_booking;
end;
$$;
