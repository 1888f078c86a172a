//! What officers see: the live queue of a gate and direction, and the day's dashboard
//! (throughput, time to clear, and the published wait beside the real one).

use super::{AppState, gates};
use crate::{
    domain::{
        lifecycle::{Channel, HoldReason},
        plate::Plate,
        role::Agency,
        trip::{Direction, TripStatus},
    },
    error::AppError,
    models::clearance::{
        AgencyState, Alert, Console, Counts, Dashboard, Hold, HourStats, QueueEntry,
    },
};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct EntryRow {
    trip_id: Uuid,
    plate: String,
    firm_name: String,
    perishable: bool,
    quarantine_required: bool,
    status: String,
    slot_id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    arrived_at: Option<DateTime<Utc>>,
    lane: Option<String>,
}

/// The agencies' standing on each trip, from their decisions in order.
pub(crate) async fn agency_states(
    state: &AppState,
    trips: &[Uuid],
) -> Result<HashMap<Uuid, (Vec<(Agency, AgencyState)>, Option<Hold>)>, AppError> {
    let rows: Vec<(Uuid, String, String, Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
        "select trip_id, agency, decision, channel, reason, note from agency_decisions where trip_id = any($1) order by id",
    )
    .bind(trips)
    .fetch_all(&state.pool)
    .await?;
    let mut states: HashMap<Uuid, (HashMap<Agency, AgencyState>, Option<Hold>)> = HashMap::new();
    for (trip_id, agency, decision, channel, reason, note) in rows {
        let Some(agency) = Agency::from_code(&agency) else {
            continue;
        };
        let entry = states.entry(trip_id).or_default();
        match decision.as_str() {
            "cleared" => {
                entry.0.insert(agency, AgencyState::Cleared);
            }
            "routed" => {
                if let Some(channel) = channel.as_deref().and_then(Channel::from_code) {
                    entry.0.insert(agency, AgencyState::Routed(channel));
                }
            }
            "held" => {
                entry.0.insert(agency, AgencyState::Held);
                entry.1 = reason
                    .as_deref()
                    .and_then(HoldReason::from_code)
                    .map(|reason| Hold {
                        agency,
                        reason,
                        note: note.clone(),
                    });
            }
            "released" => {
                entry.0.insert(agency, AgencyState::Pending);
                entry.1 = None;
            }
            _ => {}
        }
    }
    Ok(states
        .into_iter()
        .map(|(trip, (agencies, hold))| (trip, (agencies.into_iter().collect(), hold)))
        .collect())
}

async fn entries(
    state: &AppState,
    gate: &gates::GateRow,
    direction: Direction,
    statuses: &[&str],
    order: &str,
) -> Result<Vec<QueueEntry>, AppError> {
    let query = match order {
        // Traffic police call perishable cargo first within its slot, then by arrival.
        "yard" => sqlx::query_as::<_, EntryRow>(
            "select t.id as trip_id, v.plate, f.name as firm_name, t.perishable, t.quarantine_required, t.status,
                    s.id as slot_id, s.starts_at, s.ends_at, b.arrived_at, b.lane
               from bookings b join trips t on t.id = b.trip_id join slots s on s.id = b.slot_id
               join vehicles v on v.id = t.vehicle_id join firms f on f.id = t.firm_id
              where s.gate_id = $1 and s.direction = $2 and t.status = any($3) and b.status in ('active', 'arrived')
              order by s.starts_at, t.perishable desc, b.arrived_at",
        ),
        _ => sqlx::query_as::<_, EntryRow>(
            "select t.id as trip_id, v.plate, f.name as firm_name, t.perishable, t.quarantine_required, t.status,
                    s.id as slot_id, s.starts_at, s.ends_at, b.arrived_at, b.lane
               from bookings b join trips t on t.id = b.trip_id join slots s on s.id = b.slot_id
               join vehicles v on v.id = t.vehicle_id join firms f on f.id = t.firm_id
              where s.gate_id = $1 and s.direction = $2 and t.status = any($3) and b.status in ('active', 'arrived')
              order by b.called_at nulls last, b.arrived_at",
        ),
    };
    let statuses: Vec<String> = statuses.iter().map(|status| status.to_string()).collect();
    let rows = query
        .bind(&gate.id)
        .bind(direction.code())
        .bind(&statuses)
        .fetch_all(&state.pool)
        .await?;
    let trips: Vec<Uuid> = rows.iter().map(|row| row.trip_id).collect();
    let mut standing = agency_states(state, &trips).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (decided, hold) = standing.remove(&row.trip_id).unwrap_or_default();
            let agencies = crate::domain::lifecycle::required_agencies(row.quarantine_required)
                .into_iter()
                .map(|agency| {
                    let state = decided
                        .iter()
                        .find(|(decided, _)| *decided == agency)
                        .map_or(AgencyState::Pending, |(_, state)| *state);
                    (agency, state)
                })
                .collect();
            QueueEntry {
                trip_id: row.trip_id,
                plate: Plate::from_normalised(&row.plate)
                    .map_or(row.plate.clone(), |plate| plate.canonical()),
                firm_name: row.firm_name,
                perishable: row.perishable,
                status: TripStatus::from_code(&row.status).unwrap_or(TripStatus::Arrived),
                slot: gate.slot_time(row.slot_id, row.starts_at, row.ends_at),
                arrived_at: row.arrived_at.map(|at| at.timestamp()),
                lane: row.lane,
                agencies,
                hold,
            }
        })
        .collect())
}

async fn counts(
    state: &AppState,
    gate: &gates::GateRow,
    direction: Option<Direction>,
    now: DateTime<Utc>,
) -> Result<Counts, AppError> {
    let today = gate.today(now);
    let row: (i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "select
           count(*) filter (where t.status = 'booked' and s.starts_at <= $3 and s.ends_at > $3),
           count(*) filter (where t.status = 'arrived'),
           count(*) filter (where t.status = 'called_forward'),
           count(*) filter (where t.status = 'inspection'),
           count(*) filter (where t.status = 'held'),
           count(*) filter (where t.status = 'cleared'),
           count(*) filter (where t.status = 'exited' and s.local_day = $4)
         from bookings b join trips t on t.id = b.trip_id join slots s on s.id = b.slot_id
        where s.gate_id = $1 and ($2::text is null or s.direction = $2) and b.status in ('active', 'arrived')",
    )
    .bind(&gate.id)
    .bind(direction.map(Direction::code))
    .bind(now)
    .bind(today)
    .fetch_one(&state.pool)
    .await?;
    Ok(Counts {
        expected_this_hour: row.0,
        in_yard: row.1,
        called_forward: row.2,
        in_inspection: row.3,
        held: row.4,
        cleared: row.5,
        exited_today: row.6,
    })
}

pub async fn console(
    state: &AppState,
    agency: Agency,
    gate_id: &str,
    direction: Direction,
    now: DateTime<Utc>,
) -> Result<Console, AppError> {
    let gate = gates::get(state, gate_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let alerts: Vec<(i64, String, Option<String>, DateTime<Utc>)> = sqlx::query_as(
        "select id, kind, plate, at from gate_alerts where gate_id = $1 and acknowledged_at is null order by at desc limit 50",
    )
    .bind(gate_id)
    .fetch_all(&state.pool)
    .await?;
    let expected_wait_minutes: Option<i32> = sqlx::query_scalar(
        "select minutes from wait_estimates where gate_id = $1 and direction = $2 order by at desc limit 1",
    )
    .bind(gate_id)
    .bind(direction.code())
    .fetch_optional(&state.pool)
    .await?;
    Ok(Console {
        counts: counts(state, &gate, Some(direction), now).await?,
        yard: entries(state, &gate, direction, &["arrived"], "yard").await?,
        lanes: entries(
            state,
            &gate,
            direction,
            &["called_forward", "inspection", "held"],
            "lanes",
        )
        .await?,
        cleared: entries(state, &gate, direction, &["cleared"], "lanes").await?,
        alerts: alerts
            .into_iter()
            .map(|(id, kind, plate, at)| Alert {
                id,
                kind,
                plate: plate.map(|plate| {
                    Plate::from_normalised(&plate).map_or(plate, |parsed| parsed.canonical())
                }),
                at: at.timestamp(),
            })
            .collect(),
        expected_wait_minutes,
        gate: gate.gate(now),
        direction,
        agency,
    })
}

/// The expected wait in the yard now: the trucks waiting, at the rate trucks were called
/// forward over the last hour (or, with no history, at the slot's capacity). Published on
/// the board and kept every quarter hour.
pub async fn estimate_waits(state: &AppState, now: DateTime<Utc>) -> Result<(), AppError> {
    sqlx::query(
        "insert into wait_estimates (gate_id, direction, at, minutes)
         select g.id, d.direction, $1,
                (coalesce(waiting.count, 0) * 60
                 / greatest(coalesce(called.count, 0),
                            case when d.direction = 'export' then g.export_capacity else g.import_capacity end, 1))::int
           from gates g
          cross join (values ('export'), ('import')) as d (direction)
           left join lateral (
             select count(*) from bookings b join trips t on t.id = b.trip_id join slots s on s.id = b.slot_id
              where s.gate_id = g.id and s.direction = d.direction and t.status = 'arrived') waiting on true
           left join lateral (
             select count(*) from bookings b join slots s on s.id = b.slot_id
              where s.gate_id = g.id and s.direction = d.direction and b.called_at > $1 - interval '1 hour') called on true
          where g.active
         on conflict do nothing",
    )
    .bind(now)
    .execute(&state.pool)
    .await?;
    Ok(())
}

pub async fn dashboard(
    state: &AppState,
    gate_id: &str,
    day: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Dashboard, AppError> {
    let gate = gates::get(state, gate_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let day = day.unwrap_or_else(|| gate.today(now));
    let zone = gate.time_zone.clone();
    let hourly: Vec<(i32, i64, i64, i64, Option<f64>, Option<f64>)> = sqlx::query_as(
        "with hours as (select generate_series(0, 23) as hour),
              visits as (
                select b.*, s.starts_at from bookings b join slots s on s.id = b.slot_id
                 where s.gate_id = $1 and b.status in ('active', 'arrived'))
         select h.hour,
                (select count(*) from visits v where (v.starts_at at time zone $2)::date = $3
                     and extract(hour from v.starts_at at time zone $2) = h.hour),
                (select count(*) from visits v where (v.arrived_at at time zone $2)::date = $3
                     and extract(hour from v.arrived_at at time zone $2) = h.hour),
                (select count(*) from visits v where (v.cleared_at at time zone $2)::date = $3
                     and extract(hour from v.cleared_at at time zone $2) = h.hour),
                (select percentile_cont(0.5) within group (order by extract(epoch from v.cleared_at - v.arrived_at) / 60)
                   from visits v where (v.cleared_at at time zone $2)::date = $3
                    and extract(hour from v.cleared_at at time zone $2) = h.hour and v.arrived_at is not null),
                (select percentile_cont(0.5) within group (order by extract(epoch from v.called_at - v.arrived_at) / 60)
                   from visits v where (v.arrived_at at time zone $2)::date = $3
                    and extract(hour from v.arrived_at at time zone $2) = h.hour and v.called_at is not null)
           from hours h order by h.hour",
    )
    .bind(gate_id)
    .bind(&zone)
    .bind(day)
    .fetch_all(&state.pool)
    .await?;
    let published: Vec<(i32, f64)> = sqlx::query_as(
        "select extract(hour from at at time zone $2)::int, avg(minutes)::float8
           from wait_estimates where gate_id = $1 and (at at time zone $2)::date = $3 group by 1",
    )
    .bind(gate_id)
    .bind(&zone)
    .bind(day)
    .fetch_all(&state.pool)
    .await?;
    let median_today: Option<f64> = sqlx::query_scalar(
        "select percentile_cont(0.5) within group (order by extract(epoch from b.cleared_at - b.arrived_at) / 60)
           from bookings b join slots s on s.id = b.slot_id
          where s.gate_id = $1 and (b.cleared_at at time zone $2)::date = $3 and b.arrived_at is not null",
    )
    .bind(gate_id)
    .bind(&zone)
    .bind(day)
    .fetch_one(&state.pool)
    .await?;
    let published: HashMap<i32, f64> = published.into_iter().collect();
    Ok(Dashboard {
        counts: counts(state, &gate, None, now).await?,
        hours: hourly
            .into_iter()
            .map(
                |(hour, expected, arrived, cleared, median_clear, real_wait)| HourStats {
                    hour: hour as u32,
                    expected,
                    arrived,
                    cleared,
                    median_minutes_to_clear: median_clear.map(|minutes| minutes.round() as i32),
                    published_wait: published.get(&hour).map(|minutes| minutes.round() as i32),
                    real_wait: real_wait.map(|minutes| minutes.round() as i32),
                },
            )
            .collect(),
        median_minutes_to_clear: median_today.map(|minutes| minutes.round() as i32),
        day: day.to_string(),
        gate: gate.gate(now),
    })
}
