-- Throttle counters shared by every server process, and the security log.

-- One row per counter and window: how many requests it has let through. The counter's
-- subject (a sign-in name, an address, a firm) is stored only as a keyed hash (HMAC with
-- a server secret, computed by the server): this table never holds who signed in from
-- where. Windows are fixed and aligned (start and end decided by the server), so a row
-- is never reset, only added to and, once its window ends, deleted (a job does it every
-- minute; `window_end` is indexed for it).
create table throttle_counters (
    scope text not null check (scope ~ '^[a-z_.]{1,40}$'),
    subject bytea not null check (length(subject) = 32),
    window_start timestamptz not null,
    window_end timestamptz not null check (window_end > window_start),
    hits integer not null check (hits >= 0),
    primary key (scope, subject, window_start)
);

create index throttle_counters_window_end on throttle_counters (window_end);

-- Lets requests through their counters: one request passes only when every one of its
-- counters has room (hits below its limit), and then counts in each; otherwise it
-- counts in none, and the answer names the full counter that frees up last.
--
-- The counters of a batch arrive once each (`scopes`...`limits`, index from 1); request
-- `requests[i]` is held to counter `members[i]` (requests in order, several entries
-- each). Requests are judged one after another in their order, as if each came alone.
--
-- All counters of the batch are created if missing and locked in one order (scope,
-- subject, window) before any is read, so two batches of different processes never
-- deadlock and never both see room for the last hit. `do update ... where false`
-- inserts what is missing and locks what exists without changing it.
--
-- The commit does not wait for the disk (`synchronous_commit` off, this transaction
-- only): a crash of the database loses at most the last fraction of a second of hits,
-- a few requests of allowance, while waiting for the disk at every batch would slow
-- the booking path that counts here. The rows themselves are logged, so counts survive
-- a restart and reach replicas.
create function throttle_take(
    scopes text[], subjects bytea[], window_starts timestamptz[], window_ends timestamptz[],
    limits integer[], requests integer[], members integer[])
returns table (ordinal integer, allowed boolean, blocked_scope text, blocked_until timestamptz)
language plpgsql as $$
declare
    counts integer[];
    counted integer[];
    first_member integer := 1;
    last_member integer;
    member integer;
    place integer;
    stored_hits integer;
    total integer := coalesce(array_length(requests, 1), 0);
begin
    perform set_config('synchronous_commit', 'off', true);
    insert into throttle_counters as t (scope, subject, window_start, window_end, hits)
    select c.scope, c.subject, c.window_start, c.window_end, 0
      from unnest(scopes, subjects, window_starts, window_ends) as c (scope, subject, window_start, window_end)
     order by c.scope, c.subject, c.window_start
    on conflict (scope, subject, window_start) do update set hits = t.hits where false;

    -- Each counter read and written by its primary key, one at a time: a join with the
    -- arrays would be planned for arrays of any length and scanned the whole table.
    for place in 1 .. coalesce(array_length(scopes, 1), 0) loop
        select t.hits into stored_hits
          from throttle_counters t
         where t.scope = scopes[place] and t.subject = subjects[place] and t.window_start = window_starts[place];
        counts[place] := stored_hits;
    end loop;
    counted := counts;

    while first_member <= total loop
        last_member := first_member;
        while last_member < total and requests[last_member + 1] = requests[first_member] loop
            last_member := last_member + 1;
        end loop;
        ordinal := requests[first_member];
        allowed := true;
        blocked_scope := null;
        blocked_until := null;
        for place in first_member .. last_member loop
            member := members[place];
            if counts[member] >= limits[member] then
                allowed := false;
                if blocked_until is null or window_ends[member] > blocked_until then
                    blocked_until := window_ends[member];
                    blocked_scope := scopes[member];
                end if;
            end if;
        end loop;
        if allowed then
            for place in first_member .. last_member loop
                member := members[place];
                counts[member] := counts[member] + 1;
            end loop;
        end if;
        return next;
        first_member := last_member + 1;
    end loop;

    for place in 1 .. coalesce(array_length(scopes, 1), 0) loop
        if counts[place] <> counted[place] then
            update throttle_counters t set hits = counts[place]
             where t.scope = scopes[place] and t.subject = subjects[place] and t.window_start = window_starts[place];
        end if;
    end loop;
end
$$;

-- The security log. Repeats fold into one row per kind, minute, client, account and
-- detail with a count (the server folds what one process sees, this unique constraint
-- what several write), so an attacker repeating a refused request adds to a count, not
-- to the table; the server also caps the rows of one kind a minute and folds the rest
-- into one. `nulls not distinct`: an anonymous request (no account) or a folded flood
-- (no client) folds the same way. `address` is the client's address (an IPv6 client's
-- /64 network).
-- `account_id` has no foreign key: the log keeps what it was told even about an account
-- that is gone, and the page shows whatever account still matches.
-- `detail` is short and chosen by the server (which counter was full, which path was
-- refused, without its query): never a password, token, pass code or typed value.
create table security_events (
    id bigint generated always as identity primary key,
    kind text not null check (kind ~ '^[a-z_]{1,40}$'),
    minute timestamptz not null check (minute = date_trunc('minute', minute)),
    address inet,
    account_id uuid,
    detail text not null default '' check (length(detail) <= 120),
    count integer not null check (count > 0),
    first_at timestamptz not null,
    last_at timestamptz not null check (last_at >= first_at),
    constraint security_events_one_row_a_minute
        unique nulls not distinct (kind, minute, address, account_id, detail)
);

-- The page reads newest first, all kinds or one.
create index security_events_newest on security_events (minute desc, id desc);
create index security_events_kind_newest on security_events (kind, minute desc, id desc);
