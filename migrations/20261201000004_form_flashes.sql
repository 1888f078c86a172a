-- What a refused form typed, kept on the server for the one page that shows it again.
--
-- A form posted without JavaScript is answered with a redirect back to its page, which
-- shows each problem beside its field. The problems travel in the redirect's URL (they
-- are codes, nothing personal); what was typed (a person's name, ID number, phone) never
-- does: it waits here under a random token the browser holds in a short-lived HttpOnly
-- cookie, and is deleted when that page takes it, or after ten minutes.
create table form_flashes (
  -- SHA-256 of the cookie's token: a read of this table cannot be replayed as a cookie.
  token_hash bytea primary key check (octet_length(token_hash) = 32),
  -- The server function whose refusal this is (`/api/add_person`): only its form is
  -- filled in again.
  function_path text not null check (char_length(function_path) <= 200),
  -- [[field, value], ...] as the refused form had them, passwords never included.
  typed jsonb not null check (jsonb_typeof(typed) = 'array'),
  created_at timestamptz not null default now()
);
create index form_flashes_created on form_flashes (created_at);
