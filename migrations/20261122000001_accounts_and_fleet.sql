-- Firms, their people and their fleet; sign-in sessions.
--
-- The database enforces what must never break even if the Rust above it has a bug:
-- uniqueness of tax codes, sign-in names and active plates; that firm roles belong to a
-- firm and officers to an agency; value ranges. Rust checks the same rules first, to
-- give each field a translated message.

-- Keeps updated_at honest without every statement having to remember it.
create function set_updated_at() returns trigger language plpgsql as $$
begin
  new.updated_at = now();
  return new;
end;
$$;

create table firms (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(name) between 2 and 200),
  -- 10 digits, or 10 + '-' + 3 for a branch (normalised by TaxCode::parse).
  tax_code text not null constraint firms_tax_code_key unique
    check (tax_code ~ '^[0-9]{10}(-[0-9]{3})?$'),
  address text not null check (char_length(address) between 5 and 500),
  phone text not null check (phone ~ '^\+[0-9]{8,15}$'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger firms_updated_at before update on firms for each row execute function set_updated_at();

create table users (
  id uuid primary key default gen_random_uuid(),
  firm_id uuid references firms (id),
  role text not null check (role in ('firm_admin', 'firm_clerk', 'driver', 'officer', 'gate_admin', 'platform_admin')),
  agency text check (agency in ('customs', 'border_guard', 'quarantine', 'traffic_police')),
  full_name text not null check (char_length(full_name) between 2 and 200),
  -- Lower case (Email::parse); drivers may have none and sign in by phone.
  email text constraint users_email_key unique check (email = lower(email)),
  -- E.164 (Phone::parse).
  phone text constraint users_phone_key unique check (phone ~ '^\+[0-9]{8,15}$'),
  id_number text check (id_number ~ '^[A-Z0-9]{6,20}$'),
  password_hash text not null,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint users_firm_roles_have_a_firm check ((role in ('firm_admin', 'firm_clerk', 'driver')) = (firm_id is not null)),
  constraint users_officers_have_an_agency check ((role = 'officer') = (agency is not null)),
  constraint users_drivers_have_phone_and_papers check (role <> 'driver' or (phone is not null and id_number is not null)),
  constraint users_staff_have_email check (role = 'driver' or email is not null),
  -- Lets later tables require "a driver of this same firm" with a composite foreign key.
  constraint users_id_firm_key unique (id, firm_id)
);
create index users_firm on users (firm_id);
create trigger users_updated_at before update on users for each row execute function set_updated_at();

create table sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  -- Set at sign-out or when the account is deactivated; the token then stops working.
  ended_at timestamptz
);
create index sessions_user on sessions (user_id) where ended_at is null;

-- Secrets every server process must share (the session signing key), created on the
-- first start and never regenerated silently.
create table server_secrets (
  name text primary key,
  secret bytea not null check (octet_length(secret) >= 32),
  created_at timestamptz not null default now()
);

create table vehicles (
  id uuid primary key default gen_random_uuid(),
  firm_id uuid not null references firms (id),
  -- Normalised: upper case, no separators (Plate::parse); shown in canonical form.
  plate text not null check (plate !~ '[- .]' and plate = upper(plate)),
  country text not null check (country in ('VN', 'CN')),
  trailer_plate text check (trailer_plate !~ '[- .]' and trailer_plate = upper(trailer_plate)),
  kind text not null check (kind in ('truck', 'tractor_trailer', 'container_carrier', 'refrigerated')),
  axles smallint not null check (axles between 2 and 10),
  gross_weight_kg integer not null check (gross_weight_kg between 1000 and 80000),
  -- Deactivated vehicles keep their history but free their plate for re-registration.
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint vehicles_id_firm_key unique (id, firm_id)
);
-- A plate exists once among the active vehicles of the whole system, whichever firm.
create unique index vehicles_plate_active on vehicles (plate) where active;
create unique index vehicles_trailer_plate_active on vehicles (trailer_plate) where active and trailer_plate is not null;
create index vehicles_firm_plate on vehicles (firm_id, plate);
create trigger vehicles_updated_at before update on vehicles for each row execute function set_updated_at();

-- Each bulk import's per-row report, so the report page survives a reload and a posted
-- form without JavaScript can be redirected to it.
create table vehicle_imports (
  id uuid primary key default gen_random_uuid(),
  firm_id uuid not null references firms (id),
  created_by uuid not null references users (id),
  file_name text not null,
  rows jsonb not null,
  created_at timestamptz not null default now()
);
create index vehicle_imports_firm on vehicle_imports (firm_id, created_at desc);
