//! Gates: their capacity plans, the slots materialised from them, closures, and what a
//! plan change does to bookings that no longer fit.

use super::{AppState, database::StoreError};
use crate::{
    domain::{Problem, booking::GatePolicy, gate_plan::PlanSettings, trip::Direction},
    error::AppError,
    models::{
        SessionUser,
        gates::{Closure, DisplacedBooking, Gate, GatePlan, Localized, SlotTime},
    },
};
use chrono::{DateTime, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

macro_rules! gate_columns {
    () => {
        "g.id, g.name_vi, g.name_en, g.name_zh, g.border_markers, g.time_zone,
         g.other_side_vi, g.other_side_en, g.other_side_zh, g.other_side_time_zone,
         g.slot_minutes, g.opens_minute, g.closes_minute, g.export_capacity, g.import_capacity,
         g.export_daily_intake, g.import_daily_intake, g.horizon_days, g.lead_minutes,
         g.free_change_minutes, g.arrive_before_minutes, g.arrive_after_minutes,
         g.firm_share_percent, g.perishable_share_percent, g.perishable_release_hours,
         g.strike_window_days, g.no_show_strikes, g.late_cancel_strikes, g.block_days"
    };
}
/// The columns of [`GateRow`], for queries that read a gate with something else.
pub(crate) use gate_columns;

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct GateRow {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    pub name_zh: String,
    pub border_markers: String,
    pub time_zone: String,
    pub other_side_vi: String,
    pub other_side_en: String,
    pub other_side_zh: String,
    pub other_side_time_zone: String,
    pub slot_minutes: i32,
    pub opens_minute: i32,
    pub closes_minute: i32,
    pub export_capacity: i32,
    pub import_capacity: i32,
    pub export_daily_intake: Option<i32>,
    pub import_daily_intake: Option<i32>,
    pub horizon_days: i32,
    pub lead_minutes: i32,
    pub free_change_minutes: i32,
    pub arrive_before_minutes: i32,
    pub arrive_after_minutes: i32,
    pub firm_share_percent: i32,
    pub perishable_share_percent: i32,
    pub perishable_release_hours: i32,
    pub strike_window_days: i32,
    pub no_show_strikes: i32,
    pub late_cancel_strikes: i32,
    pub block_days: i32,
}

/// Minutes east of UTC of an IANA zone at an instant (UTC when the name is unknown).
pub fn offset_minutes(zone: &str, at: DateTime<Utc>) -> i32 {
    zone.parse::<Tz>()
        .map(|tz| {
            tz.offset_from_utc_datetime(&at.naive_utc())
                .fix()
                .local_minus_utc()
                / 60
        })
        .unwrap_or(0)
}

/// Today's date in an IANA zone.
pub fn local_today(zone: &str, now: DateTime<Utc>) -> NaiveDate {
    match zone.parse::<Tz>() {
        Ok(tz) => now.with_timezone(&tz).date_naive(),
        Err(_) => now.date_naive(),
    }
}

impl GateRow {
    pub fn policy(&self) -> GatePolicy {
        GatePolicy {
            slot_minutes: i64::from(self.slot_minutes),
            horizon_days: i64::from(self.horizon_days),
            lead_minutes: i64::from(self.lead_minutes),
            free_change_minutes: i64::from(self.free_change_minutes),
            arrive_before_minutes: i64::from(self.arrive_before_minutes),
            arrive_after_minutes: i64::from(self.arrive_after_minutes),
            firm_share_percent: i64::from(self.firm_share_percent),
            perishable_share_percent: i64::from(self.perishable_share_percent),
            perishable_release_hours: i64::from(self.perishable_release_hours),
            strike_window_days: i64::from(self.strike_window_days),
            no_show_strikes: i64::from(self.no_show_strikes),
            late_cancel_strikes: i64::from(self.late_cancel_strikes),
            block_days: i64::from(self.block_days),
        }
    }

    pub fn name(&self) -> Localized {
        Localized {
            vi: self.name_vi.clone(),
            en: self.name_en.clone(),
            zh: self.name_zh.clone(),
        }
    }

    pub fn gate(&self, now: DateTime<Utc>) -> Gate {
        Gate {
            id: self.id.clone(),
            name: self.name(),
            border_markers: self.border_markers.clone(),
            other_side: Localized {
                vi: self.other_side_vi.clone(),
                en: self.other_side_en.clone(),
                zh: self.other_side_zh.clone(),
            },
            time_zone: self.time_zone.clone(),
            other_side_time_zone: self.other_side_time_zone.clone(),
            utc_offset_minutes: offset_minutes(&self.time_zone, now),
            other_side_offset_minutes: offset_minutes(&self.other_side_time_zone, now),
        }
    }

    pub fn slot_time(
        &self,
        slot_id: i64,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    ) -> SlotTime {
        SlotTime {
            slot_id,
            starts_at: starts_at.timestamp(),
            ends_at: ends_at.timestamp(),
            utc_offset_minutes: offset_minutes(&self.time_zone, starts_at),
            other_side_offset_minutes: offset_minutes(&self.other_side_time_zone, starts_at),
        }
    }

    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        local_today(&self.time_zone, now)
    }
}

pub async fn list(state: &AppState) -> Result<Vec<GateRow>, AppError> {
    Ok(sqlx::query_as(concat!(
        "select ",
        gate_columns!(),
        " from gates g where g.active order by g.id"
    ))
    .fetch_all(&state.pool)
    .await?)
}

pub async fn get(state: &AppState, gate_id: &str) -> Result<Option<GateRow>, AppError> {
    Ok(sqlx::query_as(concat!(
        "select ",
        gate_columns!(),
        " from gates g where g.id = $1 and g.active"
    ))
    .bind(gate_id)
    .fetch_optional(&state.pool)
    .await?)
}

/// Creates the slots and day counters of every active gate from its plan, for today
/// (gate time) through the horizon and one day more. Existing slots are left alone.
pub async fn materialise(state: &AppState, now: DateTime<Utc>) -> Result<u64, AppError> {
    let mut created = 0;
    for gate in list(state).await? {
        let first = gate.today(now);
        let last = first + chrono::Days::new(gate.horizon_days as u64 + 1);
        let mut connection = state.pool.acquire().await?;
        created += materialise_gate(&mut connection, &gate.id, first, last).await?;
    }
    Ok(created)
}

async fn materialise_gate(
    connection: &mut sqlx::PgConnection,
    gate_id: &str,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<u64, AppError> {
    let created = sqlx::query(
        "insert into slots (gate_id, direction, starts_at, ends_at, local_day, capacity)
         select g.id, direction, starts_at, starts_at + make_interval(mins => g.slot_minutes), day,
                case when exists (select 1 from gate_closures c
                                   where c.gate_id = g.id and c.starts_at < starts_at + make_interval(mins => g.slot_minutes)
                                     and c.ends_at > starts_at) then 0
                     when direction = 'export' then g.export_capacity else g.import_capacity end
           from gates g
          cross join generate_series($2::date, $3::date, interval '1 day') as day
          cross join (values ('export'), ('import')) as directions (direction)
          cross join lateral generate_series(g.opens_minute, g.closes_minute - g.slot_minutes, g.slot_minutes) as minute
          cross join lateral (select (day::date + make_interval(mins => minute)) at time zone g.time_zone as starts_at) as start
          where g.id = $1
         on conflict (gate_id, direction, starts_at) do nothing",
    )
    .bind(gate_id)
    .bind(first)
    .bind(last)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    sqlx::query(
        "insert into gate_days (gate_id, direction, local_day, intake_limit)
         select g.id, direction, day::date,
                case when direction = 'export' then g.export_daily_intake else g.import_daily_intake end
           from gates g
          cross join generate_series($2::date, $3::date, interval '1 day') as day
          cross join (values ('export'), ('import')) as directions (direction)
          where g.id = $1
         on conflict (gate_id, direction, local_day) do nothing",
    )
    .bind(gate_id)
    .bind(first)
    .bind(last)
    .execute(&mut *connection)
    .await?;
    Ok(created)
}

/// Whether `user` administers `gate_id`.
pub async fn require_admin(
    state: &AppState,
    user: &SessionUser,
    gate_id: &str,
) -> Result<GateRow, AppError> {
    use crate::domain::role::Role;
    if user.role != Role::GateAdmin && user.role != Role::PlatformAdmin {
        return Err(AppError::Forbidden);
    }
    let assigned: bool = user.role == Role::PlatformAdmin
        || sqlx::query_scalar(
            "select exists (select 1 from gate_staff where gate_id = $1 and user_id = $2)",
        )
        .bind(gate_id)
        .bind(user.user_id)
        .fetch_one(&state.pool)
        .await?;
    match get(state, gate_id).await? {
        Some(gate) if assigned => Ok(gate),
        Some(_) => Err(AppError::Forbidden),
        None => Err(AppError::NotFound),
    }
}

/// The gates `user` administers.
pub async fn administered(state: &AppState, user: &SessionUser) -> Result<Vec<GateRow>, AppError> {
    use crate::domain::role::Role;
    Ok(match user.role {
        Role::PlatformAdmin => list(state).await?,
        Role::GateAdmin => sqlx::query_as(concat!(
            "select ",
            gate_columns!(),
            " from gates g join gate_staff s on s.gate_id = g.id where s.user_id = $1 and g.active order by g.id"
        ))
        .bind(user.user_id)
        .fetch_all(&state.pool)
        .await?,
        _ => return Err(AppError::Forbidden),
    })
}

/// The plan as its admin edits it, with closures to come and displaced bookings.
pub async fn plan(
    state: &AppState,
    gate: &GateRow,
    now: DateTime<Utc>,
) -> Result<GatePlan, AppError> {
    let closures: Vec<(Uuid, DateTime<Utc>, DateTime<Utc>, String)> = sqlx::query_as(
        "select id, starts_at, ends_at, reason from gate_closures where gate_id = $1 and ends_at > $2 order by starts_at",
    )
    .bind(&gate.id)
    .bind(now)
    .fetch_all(&state.pool)
    .await?;
    let displaced: Vec<(
        Uuid,
        String,
        String,
        i64,
        DateTime<Utc>,
        DateTime<Utc>,
        String,
    )> = sqlx::query_as(
        "select t.id, f.name, v.plate, s.id, s.starts_at, s.ends_at, s.direction
           from bookings b
           join trips t on t.id = b.trip_id
           join firms f on f.id = b.firm_id
           join vehicles v on v.id = b.vehicle_id
           join slots s on s.id = b.slot_id
          where b.status = 'active' and b.must_move and s.gate_id = $1 and s.starts_at > $2
          order by s.starts_at, f.name",
    )
    .bind(&gate.id)
    .bind(now)
    .fetch_all(&state.pool)
    .await?;
    let minute = |value: i32| format!("{:02}:{:02}", value / 60, value % 60);
    Ok(GatePlan {
        gate: gate.gate(now),
        policy: gate.policy(),
        opens: minute(gate.opens_minute),
        closes: minute(gate.closes_minute),
        export_capacity: gate.export_capacity,
        import_capacity: gate.import_capacity,
        export_daily_intake: gate.export_daily_intake,
        import_daily_intake: gate.import_daily_intake,
        closures: closures
            .into_iter()
            .map(|(id, starts_at, ends_at, reason)| Closure {
                id,
                starts_at: starts_at.timestamp(),
                ends_at: ends_at.timestamp(),
                reason,
            })
            .collect(),
        displaced: displaced
            .into_iter()
            .map(
                |(trip_id, firm_name, plate, slot_id, starts_at, ends_at, direction)| {
                    DisplacedBooking {
                        trip_id,
                        firm_name,
                        plate: crate::domain::plate::Plate::from_normalised(&plate)
                            .map_or(plate, |plate| plate.canonical()),
                        time: gate.slot_time(slot_id, starts_at, ends_at),
                        direction: Direction::from_code(&direction).unwrap_or(Direction::Export),
                    }
                },
            )
            .collect(),
    })
}

/// Saves a plan and applies it to every future slot. A slot cut below its bookings keeps
/// them (as overflow) and marks the newest ones to be moved; their firms see it on the
/// trip and in its timeline. Changing the slot length is refused while future bookings
/// exist (they would straddle the new slots).
pub async fn update_plan(
    state: &AppState,
    gate: &GateRow,
    plan: &PlanSettings,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, StoreError> {
    let mut transaction = state.pool.begin().await?;
    // One plan change at a time per gate.
    sqlx::query("select id from gates where id = $1 for update")
        .bind(&gate.id)
        .execute(&mut *transaction)
        .await?;
    if i64::from(gate.slot_minutes) != plan.policy.slot_minutes {
        let booked_ahead: bool = sqlx::query_scalar(
            "select exists (select 1 from bookings b join slots s on s.id = b.slot_id where s.gate_id = $1 and s.starts_at > $2)",
        )
        .bind(&gate.id)
        .bind(now)
        .fetch_one(&mut *transaction)
        .await?;
        if booked_ahead {
            return Err(StoreError::Taken {
                field: "slot_minutes",
                problem: Problem::SlotLengthLocked,
            });
        }
        sqlx::query(
            "delete from slot_firms where slot_id in (select id from slots where gate_id = $1 and starts_at > $2)",
        )
        .bind(&gate.id)
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        sqlx::query("delete from slots where gate_id = $1 and starts_at > $2")
            .bind(&gate.id)
            .bind(now)
            .execute(&mut *transaction)
            .await?;
    }
    let policy = &plan.policy;
    sqlx::query(
        "update gates set slot_minutes = $2, opens_minute = $3, closes_minute = $4, export_capacity = $5,
                import_capacity = $6, export_daily_intake = $7, import_daily_intake = $8, horizon_days = $9,
                lead_minutes = $10, free_change_minutes = $11, arrive_before_minutes = $12,
                arrive_after_minutes = $13, firm_share_percent = $14, perishable_share_percent = $15,
                perishable_release_hours = $16
          where id = $1",
    )
    .bind(&gate.id)
    .bind(policy.slot_minutes as i32)
    .bind(plan.opens_minute)
    .bind(plan.closes_minute)
    .bind(plan.export_capacity)
    .bind(plan.import_capacity)
    .bind(plan.export_daily_intake)
    .bind(plan.import_daily_intake)
    .bind(policy.horizon_days as i32)
    .bind(policy.lead_minutes as i32)
    .bind(policy.free_change_minutes as i32)
    .bind(policy.arrive_before_minutes as i32)
    .bind(policy.arrive_after_minutes as i32)
    .bind(policy.firm_share_percent as i32)
    .bind(policy.perishable_share_percent as i32)
    .bind(policy.perishable_release_hours as i32)
    .execute(&mut *transaction)
    .await?;
    let displaced = apply(&mut transaction, &gate.id, actor, now).await?;
    transaction.commit().await?;
    state.board_cache.forget(&gate.id);
    Ok(displaced)
}

/// Applies the stored plan and closures to the gate's future slots and day counters, and
/// returns the trips newly displaced (their bookings no longer fit).
pub async fn apply(
    transaction: &mut sqlx::PgConnection,
    gate_id: &str,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, AppError> {
    let today = {
        let zone: String = sqlx::query_scalar("select time_zone from gates where id = $1")
            .bind(gate_id)
            .fetch_one(&mut *transaction)
            .await?;
        local_today(&zone, now)
    };
    let horizon: i32 = sqlx::query_scalar("select horizon_days from gates where id = $1")
        .bind(gate_id)
        .fetch_one(&mut *transaction)
        .await?;
    materialise_gate(
        &mut *transaction,
        gate_id,
        today,
        today + chrono::Days::new(horizon as u64 + 1),
    )
    .await?;
    sqlx::query(
        "update slots s set capacity = planned.capacity, overflow = greatest(s.booked - planned.capacity, 0)
           from (select s2.id,
                        case when exists (select 1 from gate_closures c
                                           where c.gate_id = g.id and c.starts_at < s2.ends_at and c.ends_at > s2.starts_at) then 0
                             when extract(hour from s2.starts_at at time zone g.time_zone) * 60
                                  + extract(minute from s2.starts_at at time zone g.time_zone) < g.opens_minute then 0
                             when extract(hour from s2.starts_at at time zone g.time_zone) * 60
                                  + extract(minute from s2.starts_at at time zone g.time_zone) + g.slot_minutes > g.closes_minute then 0
                             when s2.direction = 'export' then g.export_capacity
                             else g.import_capacity end as capacity
                   from slots s2 join gates g on g.id = s2.gate_id
                  where s2.gate_id = $1 and s2.starts_at > $2) as planned
          where s.id = planned.id and (s.capacity <> planned.capacity or s.overflow <> greatest(s.booked - planned.capacity, 0))",
    )
    .bind(gate_id)
    .bind(now)
    .execute(&mut *transaction)
    .await?;
    sqlx::query(
        "update gate_days d set intake_limit = case when d.direction = 'export' then g.export_daily_intake else g.import_daily_intake end
           from gates g where g.id = d.gate_id and d.gate_id = $1 and d.local_day >= $2",
    )
    .bind(gate_id)
    .bind(today)
    .execute(&mut *transaction)
    .await?;
    // The newest bookings beyond each slot's capacity are the ones to move.
    let newly_displaced: Vec<Uuid> = sqlx::query_scalar::<_, Option<Uuid>>(
        "with ranked as (
           select b.id, row_number() over (partition by b.slot_id order by b.created_at desc) <= s.overflow as displaced
             from bookings b join slots s on s.id = b.slot_id
            where b.status = 'active' and s.gate_id = $1 and s.starts_at > $2)
         update bookings b set must_move = ranked.displaced
           from ranked
          where b.id = ranked.id and b.must_move <> ranked.displaced
         returning case when b.must_move then b.trip_id end",
    )
    .bind(gate_id)
    .bind(now)
    .fetch_all(&mut *transaction)
    .await?
    .into_iter()
    .flatten()
    .collect();
    for trip_id in &newly_displaced {
        sqlx::query("insert into trip_events (trip_id, kind, actor_id, gate_id, reason) values ($1, 'must_move', $2, $3, 'capacity_plan')")
            .bind(trip_id)
            .bind(actor)
            .bind(gate_id)
            .execute(&mut *transaction)
            .await?;
    }
    Ok(newly_displaced)
}

pub async fn add_closure(
    state: &AppState,
    gate_id: &str,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    reason: &str,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, AppError> {
    let mut transaction = state.pool.begin().await?;
    sqlx::query("select id from gates where id = $1 for update")
        .bind(gate_id)
        .execute(&mut *transaction)
        .await?;
    sqlx::query("insert into gate_closures (gate_id, starts_at, ends_at, reason, created_by) values ($1, $2, $3, $4, $5)")
        .bind(gate_id)
        .bind(starts_at)
        .bind(ends_at)
        .bind(reason)
        .bind(actor)
        .execute(&mut *transaction)
        .await?;
    let displaced = apply(&mut transaction, gate_id, actor, now).await?;
    transaction.commit().await?;
    Ok(displaced)
}

pub async fn remove_closure(
    state: &AppState,
    gate_id: &str,
    closure_id: Uuid,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let mut transaction = state.pool.begin().await?;
    sqlx::query("select id from gates where id = $1 for update")
        .bind(gate_id)
        .execute(&mut *transaction)
        .await?;
    let removed = sqlx::query("delete from gate_closures where id = $1 and gate_id = $2")
        .bind(closure_id)
        .bind(gate_id)
        .execute(&mut *transaction)
        .await?
        .rows_affected()
        > 0;
    apply(&mut transaction, gate_id, actor, now).await?;
    transaction.commit().await?;
    Ok(removed)
}

/// A timestamp typed at the gate (`2026-12-31T18:00`, from a datetime-local input), in
/// the gate's zone.
pub fn parse_local_datetime(zone: &str, text: &str) -> Result<DateTime<Utc>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Problem::Required);
    }
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .map_err(|_| Problem::TimeFormat)?;
    let tz: Tz = zone.parse().map_err(|_| Problem::TimeFormat)?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|time| time.with_timezone(&Utc))
        .ok_or(Problem::TimeFormat)
}
