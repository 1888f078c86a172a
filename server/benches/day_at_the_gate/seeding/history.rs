//! The weeks before the day: past slots of the day's gates filled to 50-100 % (of each
//! gate's own plan) with trips that went through every step and exited, each with its
//! booking, idempotency key, agency decisions and full timeline. PostgreSQL then plans
//! the day's queries on tables of a portal in service: on the empty tables of a fresh
//! database every lookup of a trip, booking or decision was planned as a sequential
//! scan, and a fresh portal never exists at a gate.

use crate::settings::Settings;
use sqlx::PgPool;

/// The trips and events written; nothing when `BENCH_HISTORY_DAYS` is 0.
pub async fn seed(pool: &PgPool, settings: &Settings) -> anyhow::Result<(u64, u64)> {
    if settings.history_days == 0 {
        return Ok((0, 0));
    }
    let mut transaction = pool.begin().await?;
    // Past events are history, not news: no browser follows them, no phone is told.
    sqlx::query("alter table trip_events disable trigger trip_events_notify, disable trigger trip_events_push")
        .execute(&mut *transaction)
        .await?;
    sqlx::query(
        "insert into slots (gate_id, direction, starts_at, ends_at, local_day, capacity)
         select g.id, d.direction, start, start + make_interval(mins => g.slot_minutes),
                (start at time zone g.time_zone)::date,
                case when d.direction = 'export' then g.export_capacity else g.import_capacity end
           from gates g
          cross join (values ('export'), ('import')) as d (direction)
          cross join lateral generate_series(
                  (((now() at time zone g.time_zone)::date - $2::int)::timestamp) at time zone g.time_zone,
                  now() - interval '1 day',
                  make_interval(mins => g.slot_minutes)) as start
          where g.id = any($1)
         on conflict do nothing",
    )
    .bind(&settings.gates)
    .bind(settings.history_days as i32)
    .execute(&mut *transaction)
    .await?;
    sqlx::query(
        "create temp table fleet on commit drop as
         select (row_number() over (order by f.tax_code) - 1)::int as n, f.id as firm, a.id as admin,
                array(select v.id from vehicles v where v.firm_id = f.id order by v.plate) as vehicles,
                array(select d.id from users d where d.firm_id = f.id and d.role = 'driver' order by d.phone) as drivers
           from firms f join users a on a.firm_id = f.id and a.role = 'firm_admin'
          where exists (select 1 from vehicles v where v.firm_id = f.id)",
    )
    .execute(&mut *transaction)
    .await?;
    let trips = sqlx::query(
        "create temp table history on commit drop as
         select gen_random_uuid() as trip_id, gen_random_uuid() as booking_id, s.id as slot_id,
                s.gate_id, s.direction, s.local_day, s.starts_at, f.firm, f.admin,
                f.vehicles[1 + (s.id * 31 + k) % cardinality(f.vehicles)] as vehicle,
                f.drivers[1 + (s.id * 17 + k) % cardinality(f.drivers)] as driver,
                (s.id * 13 + k) % 100 < 30 as perishable,
                (s.id * 11 + k) % 100 < 30 as quarantine,
                row_number() over () as n
           from slots s
          cross join lateral generate_series(1, greatest(1, s.capacity * (50 + (s.id * 37) % 51) / 100)) as k
           join fleet f on f.n = (s.id * 7919 + k * 104729) % (select count(*) from fleet)
          where s.starts_at < now() - interval '1 day' and s.gate_id = any($1)",
    )
    .bind(&settings.gates)
    .execute(&mut *transaction)
    .await?
    .rows_affected();
    for statement in [
        "insert into trips (id, firm_id, vehicle_id, driver_id, direction, gate_id, planned_date,
                            cargo_description, hs_code, cargo_weight_kg, packages, customs_declaration,
                            perishable, quarantine_required, status, created_by, created_at)
         select trip_id, firm, vehicle, driver, direction, gate_id, local_day,
                'Hàng đã qua cửa khẩu', '85423100', 15000, 900, lpad((n + 500000000000)::text, 12, '0'),
                perishable, quarantine, 'exited', admin, starts_at - interval '3 days'
           from history",
        "insert into bookings (id, trip_id, slot_id, firm_id, vehicle_id, perishable, status, pass_code,
                               created_by, created_at, arrived_at, called_at, lane, cleared_at, exited_at)
         select booking_id, trip_id, slot_id, firm, vehicle, perishable, 'arrived',
                'H' || lpad(n::text, 9, '0'), admin, starts_at - interval '2 days',
                starts_at + interval '10 minutes', starts_at + interval '25 minutes', '1',
                starts_at + interval '50 minutes', starts_at + interval '60 minutes'
           from history",
        // Arrivals keep their place in the slot's counters.
        "update slots s set booked = x.n, booked_perishable = x.p
           from (select slot_id, count(*) as n, count(*) filter (where perishable) as p
                   from history group by slot_id) as x
          where s.id = x.slot_id",
        "insert into slot_firms (slot_id, firm_id, booked)
         select slot_id, firm, count(*) from history group by 1, 2",
        "insert into gate_days (gate_id, direction, local_day, intake_limit, booked)
         select h.gate_id, h.direction, h.local_day, null, count(*)
           from history h group by h.gate_id, h.direction, h.local_day
         on conflict (gate_id, direction, local_day) do update set booked = excluded.booked",
        "insert into booking_requests (firm_id, key, request, booking_id, created_at)
         select firm, 'history-' || booking_id, 'book:' || trip_id || ':' || slot_id, booking_id,
                starts_at - interval '2 days'
           from history",
        "insert into agency_decisions (trip_id, agency, decision, channel, officer_id, at)
         select h.trip_id, a.agency, 'cleared', case when a.agency = 'customs' then 'green' end,
                (select u.id from users u join gate_staff g on g.user_id = u.id
                  where u.agency = a.agency and g.gate_id = h.gate_id order by u.email limit 1),
                h.starts_at + a.after
           from history h
          cross join (values ('customs', interval '35 minutes'), ('border_guard', interval '40 minutes'),
                             ('quarantine', interval '45 minutes')) as a (agency, after)
          where a.agency <> 'quarantine' or h.quarantine
          order by h.n, a.after",
        "insert into trip_events (trip_id, kind, actor_id, actor_role, agency, gate_id, at)
         select h.trip_id, e.kind, case when e.role = 'firm' then h.admin end, e.role, e.agency, h.gate_id,
                h.starts_at + e.after
           from history h
          cross join (values
                  ('declared', 'firm', null, interval '-3 days', 1), ('booked', 'firm', null, interval '-2 days', 2),
                  ('arrived', 'device', null, interval '10 minutes', 3),
                  ('called_forward', 'officer', null, interval '25 minutes', 4),
                  ('agency_cleared', 'officer', 'customs', interval '35 minutes', 5),
                  ('agency_cleared', 'officer', 'border_guard', interval '40 minutes', 6),
                  ('agency_cleared', 'officer', 'quarantine', interval '45 minutes', 7),
                  ('cleared', 'system', null, interval '50 minutes', 8),
                  ('exited', 'device', null, interval '60 minutes', 9)) as e (kind, role, agency, after, step)
          where e.agency is distinct from 'quarantine' or h.quarantine
          order by h.n, e.step",
    ] {
        sqlx::query(statement).execute(&mut *transaction).await?;
    }
    let events: i64 = sqlx::query_scalar("select count(*) from trip_events")
        .fetch_one(&mut *transaction)
        .await?;
    sqlx::query("alter table trip_events enable trigger trip_events_notify, enable trigger trip_events_push")
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok((trips, events as u64))
}
