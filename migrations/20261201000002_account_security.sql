-- Account security: sessions that end when left unused and say which browser holds
-- them, sign-ins that wait for a second factor, TOTP secrets and recovery codes, and
-- one-time codes to reset a forgotten password.

-- Sessions --------------------------------------------------------------------------

alter table sessions
  -- When the session was last used. Written at most about once a minute per session
  -- (the session check only touches it when it is older), not on every request.
  add column last_seen_at timestamptz not null default now(),
  -- How long it may stay unused, fixed from the role when it starts (the settings
  -- IDLE_MINUTES_FIRM and IDLE_MINUTES_STAFF), so one expression decides for every
  -- session without the settings being passed into SQL. Up to a week.
  add column idle_minutes integer not null default 480 check (idle_minutes between 1 and 10080),
  -- A short name of the browser ("Chrome · Android") for the person's list of their
  -- sessions; never the full user agent, never the address.
  add column device text check (char_length(device) <= 80),
  -- What the sign-in still waits for after the password: the code of a second factor,
  -- or setting one up (a role that requires it has none yet). Null once complete;
  -- until then the session is not a sign-in anywhere.
  add column awaiting text check (awaiting in ('second_factor', 'enrolment'));

-- Whether a session row is still open: not ended, not expired, not left unused past
-- its idle limit. The one definition of it: the session check in Rust and the booking
-- snapshot (which checks the session in its own query) both call it. Plain SQL and
-- stable, so PostgreSQL inlines it into the calling query (no call per row).
create function session_open(s sessions) returns boolean
language sql stable as $$
  select s.ended_at is null
     and s.expires_at > now()
     and s.last_seen_at > now() - make_interval(mins => s.idle_minutes)
$$;

-- An open session whose sign-in is complete: what "signed in" means.
create function session_signed_in(s sessions) returns boolean
language sql stable as $$
  select session_open(s) and s.awaiting is null
$$;

-- Officers and admins must now pass a second factor: their open sessions end, so that
-- their next sign-in asks for it.
update sessions s set ended_at = now()
  from users u
 where u.id = s.user_id
   and s.ended_at is null
   and u.role in ('officer', 'gate_admin', 'platform_admin');

-- Second factor (TOTP, RFC 6238) -----------------------------------------------------

create table second_factors (
  user_id uuid primary key references users (id),
  -- The authenticator's secret, encrypted with AES-256-GCM under a key kept in
  -- server_secrets, the account's id as associated data: a read of this table alone
  -- gives no secret, and a row copied to another account does not decrypt.
  -- Layout: 12-byte nonce, then ciphertext and tag.
  secret bytea check (octet_length(secret) > 28),
  confirmed_at timestamptz,
  -- A new secret being set up, until a code made with it is typed; it then replaces
  -- `secret`. Setting up again never removes the working secret before that.
  pending_secret bytea check (octet_length(pending_secret) > 28),
  -- The time step (Unix seconds / 30) of the last code accepted: a code counts once,
  -- and none of an earlier step after it (no replay within its window). Raised with a
  -- conditional update, so two servers cannot both accept the same code.
  last_step bigint,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint second_factors_confirmed_secret check ((secret is null) = (confirmed_at is null))
);
create trigger second_factors_updated_at before update on second_factors for each row execute function set_updated_at();

-- Ten one-time codes for when the authenticator is lost, shown once when the second
-- factor is set up. Only an HMAC-SHA256 of each (key in server_secrets) is kept.
create table recovery_codes (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id),
  code_hash bytea not null check (octet_length(code_hash) = 32),
  created_at timestamptz not null default now(),
  -- Set when used; a used code never works again.
  used_at timestamptz,
  constraint recovery_codes_user_code_key unique (user_id, code_hash)
);

-- Password reset codes ---------------------------------------------------------------

-- A firm admin (or, for officers, a gate or platform admin) issues a one-time code to
-- a person who forgot their password; drivers may have only a phone, so the code is
-- read out or shown to them rather than sent. Only its HMAC is kept.
create table reset_codes (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id),
  issued_by uuid not null references users (id),
  code_hash bytea not null check (octet_length(code_hash) = 32),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  -- Wrong codes typed for this account since it was issued: at the limit the code is
  -- voided, whatever the in-memory throttle of each process says.
  failures integer not null default 0 check (failures >= 0),
  used_at timestamptz,
  -- Set when a newer code replaces it, or when too many wrong codes were typed.
  voided_at timestamptz,
  constraint reset_codes_expire_after_issue check (expires_at > created_at),
  constraint reset_codes_used_or_voided check (used_at is null or voided_at is null)
);
-- At most one code per person works at a time: issuing a new one voids the old one in
-- the same transaction, and this index makes sure of it.
create unique index reset_codes_one_open_per_user on reset_codes (user_id) where used_at is null and voided_at is null;
