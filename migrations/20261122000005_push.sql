-- Web push: the portal's VAPID key pair, each user's subscriptions (one per device),
-- and an outbox of notifications written in the same transaction as the event that
-- causes them, drained by workers with FOR UPDATE SKIP LOCKED.

-- One key pair for the portal, made on first start and never replaced silently.
create table vapid_keys (
  singleton boolean primary key default true check (singleton),
  private_key text not null,
  public_key text not null,
  created_at timestamptz not null default now()
);

create table push_subscriptions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  endpoint text not null unique check (endpoint ~ '^https?://'),
  p256dh text not null,
  auth text not null,
  -- What the user called this device ("Samsung A14"), to tell them apart.
  device text not null default '' check (char_length(device) <= 100),
  language text not null default 'vi' check (language in ('vi', 'en', 'zh')),
  -- Which events the user wants on this device.
  topics text[] not null default array['booking', 'reminder', 'called_forward', 'inspection', 'cleared', 'exited', 'late']
    check (topics <@ array['booking', 'reminder', 'called_forward', 'inspection', 'cleared', 'exited', 'late']),
  created_at timestamptz not null default now()
);
create index push_subscriptions_user on push_subscriptions (user_id);

create table push_outbox (
  id bigint generated always as identity primary key,
  subscription_id uuid not null references push_subscriptions (id) on delete cascade,
  trip_id uuid not null references trips (id),
  -- The event's kind (booked, moved, held...) and the user's topic it belongs to.
  kind text not null,
  topic text not null,
  event_id bigint references trip_events (id),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  created_at timestamptz not null default now()
);
create index push_outbox_due on push_outbox (next_attempt_at);

-- Reminders and no-show warnings are sent once per booking.
alter table bookings add column reminded_at timestamptz, add column late_warned_at timestamptz;

-- The users a trip's news goes to: the firm's admins and clerks, and the trip's driver.
create function queue_push(p_trip uuid, p_kind text, p_topic text, p_event bigint) returns void
language sql as $$
  insert into push_outbox (subscription_id, trip_id, kind, topic, event_id)
  select s.id, t.id, p_kind, p_topic, p_event
    from trips t
    join users u on u.active and ((u.firm_id = t.firm_id and u.role in ('firm_admin', 'firm_clerk')) or u.id = t.driver_id)
    join push_subscriptions s on s.user_id = u.id and p_topic = any (s.topics)
   where t.id = p_trip;
$$;

create function push_trip_event() returns trigger language plpgsql as $$
declare
  v_topic text := case new.kind
    when 'booked' then 'booking'
    when 'moved' then 'booking'
    when 'cancelled' then 'booking'
    when 'must_move' then 'booking'
    when 'called_forward' then 'called_forward'
    when 'routed' then 'inspection'
    when 'held' then 'inspection'
    when 'cleared' then 'cleared'
    when 'exited' then 'exited'
    when 'rejected' then 'cleared'
    when 'no_show' then 'late'
  end;
begin
  if v_topic is not null then
    perform queue_push(new.trip_id, new.kind, v_topic, new.id);
  end if;
  return null;
end;
$$;
create trigger trip_events_push after insert on trip_events
  for each row execute function push_trip_event();
