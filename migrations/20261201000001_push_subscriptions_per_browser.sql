-- A push subscription is bound to the browser it came from, so that a shared phone
-- forgets its last user: signing out removes that browser's subscriptions, and another
-- account signing in there removes the previous users'. The browser is known by a
-- random id in an HttpOnly cookie (`bgp_browser`); only its sha-256 is stored, so the
-- table cannot be used to act as a browser.
alter table push_subscriptions
  add column browser_hash bytea check (octet_length(browser_hash) = 32);

-- Nullable: subscriptions made before this cannot be told apart by browser, and
-- removing them would silently turn off everyone's notifications. They are bound to
-- their browser the next time it subscribes (the endpoint is unique, so the same row).

-- Sign-in and sign-out look a browser's subscriptions up by it.
create index push_subscriptions_browser on push_subscriptions (browser_hash)
  where browser_hash is not null;
