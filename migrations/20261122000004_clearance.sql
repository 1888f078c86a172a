-- Clearance at the gate: gate devices, check-in, the agencies' decisions, alerts for
-- officers, published wait estimates, live notification of events, and the trip's life
-- as transitions the database itself allows.

-- Officers and gate admins work the gates they are assigned to (gate_staff).

-- Devices at a gate (plate-reading cameras, pass scanners) post what they see to the
-- machine API with a key; only the key's SHA-256 is kept, so a database leak leaks no
-- key. A revoked device is refused at once.
create table gate_devices (
  id uuid primary key default gen_random_uuid(),
  gate_id text not null references gates (id),
  name text not null check (char_length(name) between 2 and 100),
  -- Where it stands: the waiting yard (check-in) or the exit (crossed the border).
  location text not null check (location in ('yard', 'exit')),
  key_hash bytea not null constraint gate_devices_key_hash_key unique,
  key_hint text not null,
  created_by uuid not null references users (id),
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
create index gate_devices_gate on gate_devices (gate_id);

-- A truck's visit at the gate, on its booking: when it reached the yard, when it was
-- called to which lane, when it cleared and left.
alter table bookings
  add column arrived_at timestamptz,
  add column called_at timestamptz,
  add column lane text check (char_length(lane) between 1 and 20),
  add column cleared_at timestamptz,
  add column exited_at timestamptz;
create index bookings_yard on bookings (slot_id) where arrived_at is not null;

-- Each agency decides only its own part; decisions are never edited.
create table agency_decisions (
  id bigint generated always as identity primary key,
  trip_id uuid not null references trips (id),
  agency text not null check (agency in ('customs', 'border_guard', 'quarantine')),
  decision text not null check (decision in ('cleared', 'routed', 'held', 'released', 'rejected')),
  channel text check (channel in ('green', 'yellow', 'red')),
  reason text,
  note text check (char_length(note) <= 500),
  officer_id uuid not null references users (id),
  at timestamptz not null default now(),
  check (decision <> 'held' or reason is not null),
  check (agency = 'customs' or channel is null)
);
create index agency_decisions_trip on agency_decisions (trip_id, id);
create trigger agency_decisions_append_only before update or delete on agency_decisions
  for each row execute function refuse_event_change();

-- What officers must look at: an unknown plate at the yard, a truck outside its window,
-- a pass whose signature fails. Never silently accepted.
create table gate_alerts (
  id bigint generated always as identity primary key,
  gate_id text not null references gates (id),
  kind text not null check (kind in ('unknown_plate', 'outside_window', 'forged_pass', 'unknown_pass', 'wrong_gate')),
  plate text,
  device_id uuid references gate_devices (id),
  officer_id uuid references users (id),
  details jsonb not null default '{}',
  at timestamptz not null default now(),
  acknowledged_by uuid references users (id),
  acknowledged_at timestamptz
);
create index gate_alerts_open on gate_alerts (gate_id, at desc) where acknowledged_at is null;

-- The expected wait published for each gate and direction, kept every quarter hour so
-- the forecast can be checked against the waits that really happened.
create table wait_estimates (
  gate_id text not null references gates (id),
  direction text not null check (direction in ('export', 'import')),
  at timestamptz not null,
  minutes integer not null check (minutes >= 0),
  primary key (gate_id, direction, at)
);

-- Every new event is announced on the channel `trip_events` as
-- "<trip id>:<event id>:<gate id>", so each server process can push it live to the pages
-- watching that trip or gate.
create function notify_trip_event() returns trigger language plpgsql as $$
begin
  perform pg_notify('trip_events', new.trip_id::text || ':' || new.id::text || ':' || coalesce(new.gate_id, ''));
  return new;
end;
$$;
create trigger trip_events_notify after insert on trip_events for each row execute function notify_trip_event();

-- The changes of status a trip may make (domain::lifecycle::next agrees); any other
-- update of a trip's status is refused by the database.
create table trip_transitions (
  from_status text not null,
  to_status text not null,
  primary key (from_status, to_status)
);
insert into trip_transitions (from_status, to_status) values
  ('draft', 'declared'), ('declared', 'draft'),
  ('declared', 'booked'), ('booked', 'declared'),
  ('draft', 'cancelled'), ('declared', 'cancelled'), ('booked', 'cancelled'),
  ('booked', 'no_show'), ('booked', 'arrived'),
  ('arrived', 'called_forward'),
  ('called_forward', 'inspection'), ('called_forward', 'held'), ('called_forward', 'cleared'),
  ('inspection', 'held'), ('inspection', 'cleared'),
  ('held', 'inspection'), ('held', 'rejected'),
  ('cleared', 'exited');

create function check_trip_transition() returns trigger language plpgsql as $$
begin
  if new.status <> old.status and not exists (
    select 1 from trip_transitions where from_status = old.status and to_status = new.status
  ) then
    raise exception 'a trip cannot go from % to %', old.status, new.status using errcode = 'BG002';
  end if;
  return new;
end;
$$;
create trigger trips_status_transition before update of status on trips
  for each row execute function check_trip_transition();
