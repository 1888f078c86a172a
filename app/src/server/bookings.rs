//! Booking, moving and cancelling gate slots, the day view a booker chooses from, and
//! the no-show sweep.
//!
//! Each booking is judged first on a snapshot with the domain rules
//! ([`GatePolicy::admit`]): most refusals (a full slot above all) cost one read and no
//! lock. What passes goes to one SQL statement, `book_slot` (see the migrations), that
//! raises every counter only within its limit, atomically: whatever the snapshot missed
//! ends there as a refusal, never as an overbooking.
//!
//! Both run on connections of the booking path's own ([`lanes`]): the snapshot on a few
//! readers, `book_slot` in one writer lane per gate day, several waiting bookings in one
//! commit. A storm of bookings then queues there, not in the pool every other request
//! needs. The snapshot also checks the request's session (the row a session cookie
//! names, still open, of an active account): one statement per booking request instead
//! of two; only a request it finds nothing for asks the usual session check why.

mod lanes;
pub use lanes::BookingDb;

use super::{AppState, gates, gates::gate_columns, trips::Viewer};
use crate::{
    domain::{
        Problem,
        booking::{Change, GatePolicy, Holdings, SlotSnapshot, Strike},
        trip::{Direction, TripStatus},
    },
    error::AppError,
    models::gates::{DaySlots, SlotOffer},
};
use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use uuid::Uuid;

/// What one booking attempt is judged on, read in one round trip.
#[derive(sqlx::FromRow, Debug)]
struct Snapshot {
    /// Who asks, from their session: the role and firm of the account.
    viewer_role: String,
    viewer_firm: Uuid,
    trip_status: String,
    perishable: bool,
    trip_gate: Option<String>,
    trip_direction: Option<String>,
    slot_direction: String,
    starts_at: DateTime<Utc>,
    local_day: NaiveDate,
    capacity: i32,
    booked: i32,
    booked_perishable: i32,
    closed: bool,
    firm_booked: i32,
    day_limit: Option<i32>,
    day_booked: i32,
    /// The slot the trip holds now, when it holds one.
    current_slot: Option<i64>,
    current_start: Option<DateTime<Utc>>,
    current_day: Option<NaiveDate>,
    current_direction: Option<String>,
    no_shows: Vec<DateTime<Utc>>,
    late_changes: Vec<DateTime<Utc>>,
    /// A request already made under this key: what it asked and what it booked.
    claimed_request: Option<String>,
    claimed_booking: Option<Uuid>,
    gate_active: bool,
    /// The gate's rules, read with the rest (no second query).
    #[sqlx(flatten)]
    gate: gates::GateRow,
}

/// The snapshots of several booking requests in one query (one row for each whose
/// session is open, of an active firm account that may see the trip, and that finds its
/// trip and slot), each read as if alone; `ordinal` numbers the requests from 1. A
/// driver sees only the trips they drive.
/// `offset 0` keeps each request's part a lookup by its own keys.
const SNAPSHOTS: &str = concat!("
select q.ordinal, snapshot.*
  from unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::timestamptz[], $6::uuid[])
       with ordinality as q (trip_id, session_id, slot_id, key, at, user_id, ordinal)
 cross join lateral (
  select u.role as viewer_role, u.firm_id as viewer_firm, t.status as trip_status, t.perishable, t.gate_id as trip_gate, t.direction as trip_direction,
         s.direction as slot_direction, s.starts_at, s.local_day, s.capacity, s.booked,
         s.booked_perishable,
         exists (select 1 from gate_closures c where c.gate_id = s.gate_id and c.starts_at < s.ends_at and c.ends_at > s.starts_at) as closed,
         coalesce(sf.booked, 0) as firm_booked, d.intake_limit as day_limit, coalesce(d.booked, 0) as day_booked,
         current.slot_id as current_slot, current.starts_at as current_start, current.local_day as current_day,
         current.direction as current_direction,
         array(select b.ended_at from bookings b where b.vehicle_id = t.vehicle_id and b.status = 'no_show'
                and b.ended_at > q.at - make_interval(days => g.strike_window_days)) as no_shows,
         array(select b.ended_at from bookings b where b.vehicle_id = t.vehicle_id and b.late
                and b.ended_at > q.at - make_interval(days => g.strike_window_days)) as late_changes,
         r.request as claimed_request, r.booking_id as claimed_booking, g.active as gate_active, ",
         gate_columns!(), "
    from sessions ss
    join users u on u.id = ss.user_id and u.active
    join trips t on t.id = q.trip_id and t.firm_id = u.firm_id and (u.role <> 'driver' or t.driver_id = u.id)
    join slots s on s.id = q.slot_id
    join gates g on g.id = s.gate_id
    left join slot_firms sf on sf.slot_id = s.id and sf.firm_id = t.firm_id
    left join gate_days d on d.gate_id = s.gate_id and d.direction = s.direction and d.local_day = s.local_day
    left join lateral (select b.slot_id, s2.starts_at, s2.local_day, s2.direction
                         from bookings b join slots s2 on s2.id = b.slot_id
                        where b.trip_id = t.id and b.status = 'active') current on true
    left join booking_requests r on r.firm_id = t.firm_id and r.key = q.key
   where ss.id = q.session_id and ss.user_id = q.user_id and session_signed_in(ss)
 offset 0) snapshot");

/// Whether a booking is being made or moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Book,
    Move,
}

/// What a booking request asks, for recognising its retries (and refusing another
/// request under the same key).
fn request_fingerprint(kind: Kind, trip_id: Uuid, slot_id: i64) -> String {
    let verb = match kind {
        Kind::Book => "book",
        Kind::Move => "move",
    };
    format!("{verb}:{trip_id}:{slot_id}")
}

/// A short code a guard can type when the QR code cannot be scanned: eight characters
/// without the look-alikes 0/O, 1/I/L.
fn new_pass_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    let code: String = (0..8)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{}-{}", &code[..4], &code[4..])
}

fn refuse(problem: Problem) -> AppError {
    #[derive(serde::Serialize)]
    struct Typed {}
    AppError::field("slot", problem, &Typed {})
}

/// A refusal raised by `book_slot` (errcode BG001), as the problem to show.
fn refusal_of(error: &lanes::Raised, policy: &GatePolicy, firm_cap: i32) -> Option<AppError> {
    if error.code == "23505" && error.constraint.as_deref() == Some("bookings_one_active_per_trip")
    {
        return Some(refuse(Problem::TripNotBookable));
    }
    if error.code != "BG001" {
        return None;
    }
    Some(match error.message.as_str() {
        "not_found" => AppError::NotFound,
        "key_reused" => refuse(Problem::KeyReused),
        "trip_not_bookable" => refuse(Problem::TripNotBookable),
        "trip_not_booked" => refuse(Problem::TripNotBooked),
        "same_slot" => refuse(Problem::SameSlot),
        "wrong_slot" => refuse(Problem::WrongSlot),
        "slot_full" => refuse(Problem::SlotFull),
        "reserved_for_perishable" => refuse(Problem::ReservedForPerishable {
            hours: policy.perishable_release_hours,
        }),
        "firm_share" => refuse(Problem::FirmShareReached { cap: firm_cap }),
        "daily_intake" => refuse(Problem::DailyIntakeReached),
        other => {
            tracing::error!(refusal = other, "unknown booking refusal");
            AppError::Internal
        }
    })
}

/// Errors worth one more try: two bookings that crossed each other's locks.
fn is_transient(error: &lanes::Raised) -> bool {
    matches!(error.code.as_str(), "40P01" | "40001")
}

/// Books `slot_id` for a declared trip, or moves a booked trip there, for the signed-in
/// user of `session` (an account and its session row, from the session cookie) at client
/// address `from`. Idempotent under `key`: a retry returns the first attempt's booking.
/// Returns the booking's id. Each outcome is counted (`bgp_bookings_total`).
///
/// A change the snapshot admits counts against its firm's and its address's booking
/// limits before it is written (`TooManyAttempts` past them); refusals on the snapshot
/// (a full slot above all) and answered retries do not count, and cost no more than the
/// one read they always did.
#[allow(clippy::too_many_arguments)]
pub async fn book(
    state: &AppState,
    session: Option<(Uuid, Uuid)>,
    from: std::net::IpAddr,
    trip_id: Uuid,
    slot_id: i64,
    key: &str,
    kind: Kind,
    now: DateTime<Utc>,
) -> Result<Uuid, AppError> {
    let booked = book_once(state, session, from, trip_id, slot_id, key, kind, now).await;
    count_outcome(&booked, kind);
    booked.map(|(booking, _)| booking)
}

/// Counts a booking's outcome; `Ok((booking, true))` is a retry answered from its key.
fn count_outcome(booked: &Result<(Uuid, bool), AppError>, kind: Kind) {
    let kind = match kind {
        Kind::Book => "book",
        Kind::Move => "move",
    };
    let reason;
    let labels: &[(&str, &str)] = match booked {
        Ok((_, true)) => &[("kind", kind), ("outcome", "replayed")],
        Ok((_, false)) => &[("kind", kind), ("outcome", "booked")],
        Err(AppError::Invalid { fields, .. }) => {
            reason = fields
                .first()
                .and_then(|field| serde_json::to_value(field.problem).ok())
                .and_then(|problem| problem["code"].as_str().map(str::to_string))
                .unwrap_or_default();
            &[("kind", kind), ("outcome", "refused"), ("reason", &reason)]
        }
        Err(AppError::NotFound) => &[("kind", kind), ("outcome", "not_found")],
        Err(AppError::Unavailable { .. }) => &[("kind", kind), ("outcome", "unavailable")],
        Err(AppError::TooManyAttempts { .. }) => &[("kind", kind), ("outcome", "throttled")],
        Err(AppError::NotSignedIn | AppError::Forbidden | AppError::BadRequest) => {
            &[("kind", kind), ("outcome", "not_allowed")]
        }
        Err(_) => &[("kind", kind), ("outcome", "failed")],
    };
    super::metrics::increment("bgp_bookings_total", labels);
}

/// [`book`], saying whether the answer was a retry's (found under its key).
#[allow(clippy::too_many_arguments)]
async fn book_once(
    state: &AppState,
    session: Option<(Uuid, Uuid)>,
    from: std::net::IpAddr,
    trip_id: Uuid,
    slot_id: i64,
    key: &str,
    kind: Kind,
    now: DateTime<Utc>,
) -> Result<(Uuid, bool), AppError> {
    let valid_key = (8..=100).contains(&key.len());
    let request = request_fingerprint(kind, trip_id, slot_id);
    let db = &state.bookings;
    let read = match session {
        Some((user, session)) if valid_key => db
            .snapshot(lanes::SnapshotOf {
                trip: trip_id,
                session,
                slot: slot_id,
                key: key.to_string(),
                now,
                user,
            })
            .await?
            .map(|snapshot| (user, snapshot)),
        _ => None,
    };
    let Some((user, snapshot)) = read else {
        // Signed out, not a firm account that books, a bad key, or no such trip in the
        // firm (or not the driver's own) or no such slot: the usual check says which.
        Viewer::require(state).await?;
        return Err(if valid_key {
            AppError::NotFound
        } else {
            AppError::BadRequest
        });
    };
    let Some(viewer) = crate::domain::role::Role::from_columns(&snapshot.viewer_role, None)
        .and_then(|role| Viewer::of_account(user, role, Some(snapshot.viewer_firm)))
    else {
        return Err(AppError::Forbidden);
    };
    // A retry of a request already answered gets the same answer.
    if let Some(claimed) = &snapshot.claimed_request {
        return match (claimed == &request, snapshot.claimed_booking) {
            (true, Some(booking)) => Ok((booking, true)),
            _ => Err(refuse(Problem::KeyReused)),
        };
    }
    if !snapshot.gate_active {
        return Err(AppError::NotFound);
    }
    let policy = snapshot.gate.policy();
    let status = TripStatus::from_code(&snapshot.trip_status);
    let late = match kind {
        Kind::Book if status != Some(TripStatus::Declared) => {
            return Err(refuse(Problem::TripNotBookable));
        }
        Kind::Move if status != Some(TripStatus::Booked) => {
            return Err(refuse(Problem::TripNotBooked));
        }
        Kind::Move if snapshot.current_slot == Some(slot_id) => {
            return Err(refuse(Problem::SameSlot));
        }
        Kind::Move => snapshot
            .current_start
            .is_some_and(|start| policy.change(now, start) == Change::Late),
        Kind::Book => false,
    };
    if snapshot.trip_gate.as_deref() != Some(snapshot.gate.id.as_str())
        || snapshot.trip_direction.as_deref() != Some(snapshot.slot_direction.as_str())
    {
        return Err(refuse(Problem::WrongSlot));
    }
    let strikes: Vec<Strike> = snapshot
        .no_shows
        .iter()
        .map(|at| Strike::NoShow(*at))
        .chain(
            snapshot
                .late_changes
                .iter()
                .map(|at| Strike::LateCancel(*at)),
        )
        .collect();
    let slot = SlotSnapshot {
        starts_at: snapshot.starts_at,
        capacity: snapshot.capacity,
        booked: snapshot.booked,
        booked_perishable: snapshot.booked_perishable,
        closed: snapshot.closed,
    };
    let holdings = Holdings {
        firm_booked: snapshot.firm_booked,
        day_limit: snapshot.day_limit,
        day_booked: snapshot.day_booked,
        same_day_move: snapshot.current_day == Some(snapshot.local_day)
            && snapshot.current_direction.as_deref() == Some(snapshot.slot_direction.as_str()),
    };
    let offset = gates::offset_minutes(&snapshot.gate.time_zone, now);
    let caps = policy
        .admit(now, &slot, snapshot.perishable, &holdings, &strikes, offset)
        .map_err(refuse)?;
    let counters = state
        .settings
        .throttles
        .booking_change(viewer.firm_id, from);
    let who = super::throttle::Who {
        account: Some(viewer.user_id),
        address: from,
    };
    super::throttle::take(state, &counters, who).await?;

    let lane = db.lane(
        &snapshot.gate.id,
        &snapshot.slot_direction,
        snapshot.local_day,
    );
    for attempt in 1..=3 {
        let call = lanes::BookSlot {
            firm: viewer.firm_id,
            actor: viewer.user_id,
            trip: trip_id,
            slot: slot_id,
            key: key.to_string(),
            request: request.clone(),
            regular_cap: caps.regular_cap,
            firm_cap: caps.firm_cap,
            pass_code: new_pass_code(),
            moving: kind == Kind::Move,
            late,
        };
        match db.book(lane, call).await? {
            lanes::Booked::Done(Some(booking)) => {
                state.board_cache.forget(&snapshot.gate.id);
                return Ok((booking, false));
            }
            // The request's claim was made by a concurrent twin that then failed.
            lanes::Booked::Done(None) => return Err(refuse(Problem::KeyReused)),
            lanes::Booked::Raised(error) => {
                if let Some(refusal) = refusal_of(&error, &policy, caps.firm_cap) {
                    return Err(refusal);
                }
                let pass_code_clash = error.constraint.as_deref() == Some("bookings_pass_code_key");
                if attempt < 3 && (is_transient(&error) || pass_code_clash) {
                    super::metrics::increment(
                        "bgp_booking_transient_retries_total",
                        &[("code", &error.code)],
                    );
                    continue;
                }
                tracing::error!(?error, "book_slot failed");
                return Err(AppError::Internal);
            }
        }
    }
    Err(AppError::Internal)
}

/// Cancels a booked trip's booking: the trip goes back to declared and can book again.
/// Cancelling within the free-change time of the slot counts as late.
pub async fn cancel(
    state: &AppState,
    viewer: Viewer,
    trip_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let mut transaction = state.pool.begin().await?;
    let booking: Option<(Uuid, DateTime<Utc>, String)> = sqlx::query_as(
        "select b.id, s.starts_at, s.gate_id
           from bookings b join trips t on t.id = b.trip_id join slots s on s.id = b.slot_id
          where b.trip_id = $1 and t.firm_id = $2 and (not $3 or t.driver_id = $4) and b.status = 'active'
          for update of b, t",
    )
    .bind(trip_id)
    .bind(viewer.firm_id)
    .bind(viewer.driver_only)
    .bind(viewer.user_id)
    .fetch_optional(&mut *transaction)
    .await?;
    let Some((booking_id, starts_at, gate_id)) = booking else {
        return Ok(false);
    };
    let policy = gates::get(state, &gate_id)
        .await?
        .map(|gate| gate.policy())
        .unwrap_or_default();
    let late = policy.change(now, starts_at) == Change::Late;
    sqlx::query("update bookings set status = 'cancelled', late = $2, ended_at = $3 where id = $1")
        .bind(booking_id)
        .bind(late)
        .bind(now)
        .execute(&mut *transaction)
        .await?;
    sqlx::query("select release_slot(b) from bookings b where b.id = $1")
        .bind(booking_id)
        .execute(&mut *transaction)
        .await?;
    sqlx::query("update trips set status = 'declared' where id = $1")
        .bind(trip_id)
        .execute(&mut *transaction)
        .await?;
    sqlx::query(
        "insert into trip_events (trip_id, kind, actor_id, actor_role, gate_id, details)
         values ($1, 'cancelled', $2, $3, $4, jsonb_build_object('late', $5::boolean))",
    )
    .bind(trip_id)
    .bind(viewer.user_id)
    .bind(if viewer.driver_only { "driver" } else { "firm" })
    .bind(&gate_id)
    .bind(late)
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    state.board_cache.forget(&gate_id);
    Ok(true)
}

/// Marks active bookings whose arrival window has closed as no-shows. Safe to run from
/// several processes at once: each booking is taken by one (`skip locked`) and ended
/// once (`status = 'active'`). Returns how many it marked.
pub async fn mark_no_shows(state: &AppState, now: DateTime<Utc>) -> Result<u64, AppError> {
    let mut transaction = state.pool.begin().await?;
    let ended: Vec<(Uuid, String)> = sqlx::query_as(
        "with due as (
           select b.id from bookings b
             join slots s on s.id = b.slot_id
             join gates g on g.id = s.gate_id
            where b.status = 'active' and s.ends_at + make_interval(mins => g.arrive_after_minutes) < $1
            for update of b skip locked
            limit 1000)
         update bookings b set status = 'no_show', ended_at = $1
           from due where b.id = due.id
         returning b.trip_id, (select gate_id from slots where id = b.slot_id)",
    )
    .bind(now)
    .fetch_all(&mut *transaction)
    .await?;
    for (trip_id, gate_id) in &ended {
        sqlx::query("update trips set status = 'no_show' where id = $1 and status = 'booked'")
            .bind(trip_id)
            .execute(&mut *transaction)
            .await?;
        sqlx::query("insert into trip_events (trip_id, kind, actor_role, gate_id) values ($1, 'no_show', 'system', $2)")
            .bind(trip_id)
            .bind(gate_id)
            .execute(&mut *transaction)
            .await?;
    }
    transaction.commit().await?;
    Ok(ended.len() as u64)
}

#[derive(sqlx::FromRow)]
struct DaySlotRow {
    id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    capacity: i32,
    booked: i32,
    booked_perishable: i32,
    closed: bool,
    firm_booked: i32,
}

/// The slots of one day at the trip's gate and direction, each with whether and how
/// much this trip could take of it.
pub async fn day_slots(
    state: &AppState,
    viewer: Viewer,
    trip_id: Uuid,
    day: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Option<DaySlots>, AppError> {
    let Some(trip) = super::trips::summary(state, viewer, trip_id).await? else {
        return Ok(None);
    };
    let facts: Option<(Option<String>, Option<String>, Option<Uuid>)> =
        sqlx::query_as("select gate_id, direction, vehicle_id from trips where id = $1")
            .bind(trip_id)
            .fetch_optional(&state.pool)
            .await?;
    let (Some(gate_id), Some(direction)) = facts
        .clone()
        .map(|(gate, direction, _)| (gate, direction))
        .unwrap_or_default()
    else {
        return Err(AppError::field("slot", Problem::TripNotBookable, &()));
    };
    let vehicle_id = facts.and_then(|(_, _, vehicle)| vehicle);
    let gate = gates::get(state, &gate_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let policy = gate.policy();
    let today = gate.today(now);
    let last = today + chrono::Days::new(policy.horizon_days as u64);
    let planned = trip
        .planned_date
        .as_deref()
        .and_then(|day| day.parse::<NaiveDate>().ok());
    let day = day.or(planned).unwrap_or(today).clamp(today, last);
    let rows: Vec<DaySlotRow> = sqlx::query_as(
        "select s.id, s.starts_at, s.ends_at, s.capacity, s.booked, s.booked_perishable,
                exists (select 1 from gate_closures c where c.gate_id = s.gate_id and c.starts_at < s.ends_at and c.ends_at > s.starts_at) as closed,
                coalesce(sf.booked, 0) as firm_booked
           from slots s left join slot_firms sf on sf.slot_id = s.id and sf.firm_id = $4
          where s.gate_id = $1 and s.direction = $2 and s.local_day = $3
          order by s.starts_at",
    )
    .bind(&gate_id)
    .bind(&direction)
    .bind(day)
    .bind(viewer.firm_id)
    .fetch_all(&state.pool)
    .await?;
    let intake: Option<(Option<i32>, i32)> =
        sqlx::query_as("select intake_limit, booked from gate_days where gate_id = $1 and direction = $2 and local_day = $3")
            .bind(&gate_id)
            .bind(&direction)
            .bind(day)
            .fetch_optional(&state.pool)
            .await?;
    let strikes: Vec<Strike> = match vehicle_id {
        Some(vehicle_id) => sqlx::query_as::<_, (DateTime<Utc>, bool)>(
            "select ended_at, status = 'no_show' from bookings
              where vehicle_id = $1 and (status = 'no_show' or late) and ended_at > $2 - make_interval(days => $3)",
        )
        .bind(vehicle_id)
        .bind(now)
        .bind(gate.strike_window_days)
        .fetch_all(&state.pool)
        .await?
        .into_iter()
        .map(|(at, no_show)| if no_show { Strike::NoShow(at) } else { Strike::LateCancel(at) })
        .collect(),
        None => Vec::new(),
    };
    let moving = trip.status == TripStatus::Booked;
    let current = trip.slot.map(|slot| slot.slot_id);
    let same_day = trip.slot.is_some_and(|slot| {
        DateTime::from_timestamp(slot.starts_at, 0)
            .is_some_and(|start| gates::local_today(&gate.time_zone, start) == day)
    });
    let offset = gates::offset_minutes(&gate.time_zone, now);
    let slots = rows
        .into_iter()
        .map(|row| {
            let snapshot = SlotSnapshot {
                starts_at: row.starts_at,
                capacity: row.capacity,
                booked: row.booked,
                booked_perishable: row.booked_perishable,
                closed: row.closed,
            };
            let holdings = Holdings {
                firm_booked: row.firm_booked,
                day_limit: intake.and_then(|(limit, _)| limit),
                day_booked: intake.map_or(0, |(_, booked)| booked),
                same_day_move: moving && same_day,
            };
            let admitted =
                policy.admit(now, &snapshot, trip.perishable, &holdings, &strikes, offset);
            SlotOffer {
                time: gate.slot_time(row.id, row.starts_at, row.ends_at),
                capacity: row.capacity,
                booked: row.booked,
                free_for_trip: admitted.map_or(0, |caps| caps.free_for_trip),
                refusal: admitted.err(),
                current: current == Some(row.id),
            }
        })
        .collect();
    let late_change = moving
        && trip
            .slot
            .and_then(|slot| DateTime::from_timestamp(slot.starts_at, 0))
            .is_some_and(|start| policy.change(now, start) == Change::Late);
    Ok(Some(DaySlots {
        gate: gate.gate(now),
        day: day.to_string(),
        previous_day: (day > today).then(|| (day - chrono::Days::new(1)).to_string()),
        next_day: (day < last).then(|| (day + chrono::Days::new(1)).to_string()),
        slots,
        moving,
        late_change,
        request_key: Uuid::new_v4().to_string(),
        trip,
    }))
}

/// The direction a slot serves (for the board and passes).
pub fn direction_of(code: &str) -> Direction {
    Direction::from_code(code).unwrap_or(Direction::Export)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_codes_avoid_look_alike_characters() {
        for _ in 0..200 {
            let code = new_pass_code();
            assert_eq!(code.len(), 9);
            assert_eq!(&code[4..5], "-");
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");
        }
    }

    #[test]
    fn fingerprints_tell_requests_apart() {
        let trip = Uuid::nil();
        assert_ne!(
            request_fingerprint(Kind::Book, trip, 1),
            request_fingerprint(Kind::Book, trip, 2)
        );
        assert_ne!(
            request_fingerprint(Kind::Book, trip, 1),
            request_fingerprint(Kind::Move, trip, 1)
        );
    }
}
