//! Clearance at the gate: checking trucks in at the yard (a scanned pass, a typed pass
//! code, or a device's plate read), calling them forward to lanes, each agency's
//! decision, and the exit. Every step goes through `domain::lifecycle::next`, is written
//! with its event in one transaction, and the database refuses any status change the
//! lifecycle does not allow.

use super::{AppState, passes, security_events};
use crate::{
    domain::{
        Problem,
        lifecycle::{self, Channel, Decisions, HoldReason, Refusal, Step},
        plate::{Plate, compact},
        role::{Agency, Role},
        security::EventKind,
        trip::TripStatus,
    },
    error::AppError,
    models::SessionUser,
};
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

/// Who acts at the gate: an officer of an agency posted there, or one of its devices.
#[derive(Debug, Clone, Copy)]
pub enum Actor {
    Officer { user_id: Uuid, agency: Agency },
    Device { device_id: Uuid },
}

impl Actor {
    fn user_id(self) -> Option<Uuid> {
        match self {
            Actor::Officer { user_id, .. } => Some(user_id),
            Actor::Device { .. } => None,
        }
    }

    fn device_id(self) -> Option<Uuid> {
        match self {
            Actor::Officer { .. } => None,
            Actor::Device { device_id } => Some(device_id),
        }
    }

    fn role(self) -> &'static str {
        match self {
            Actor::Officer { .. } => "officer",
            Actor::Device { .. } => "device",
        }
    }

    fn agency(self) -> Option<Agency> {
        match self {
            Actor::Officer { agency, .. } => Some(agency),
            Actor::Device { .. } => None,
        }
    }
}

/// The officer `user` at `gate_id`, or Forbidden (not an officer, or not posted there).
pub async fn officer_at(
    state: &AppState,
    user: &SessionUser,
    gate_id: &str,
) -> Result<Actor, AppError> {
    let Role::Officer(agency) = user.role else {
        return Err(AppError::Forbidden);
    };
    let posted: bool = sqlx::query_scalar(
        "select exists (select 1 from gate_staff where gate_id = $1 and user_id = $2)",
    )
    .bind(gate_id)
    .bind(user.user_id)
    .fetch_one(&state.pool)
    .await?;
    if posted {
        Ok(Actor::Officer {
            user_id: user.user_id,
            agency,
        })
    } else {
        Err(AppError::Forbidden)
    }
}

fn refuse(field: &str, problem: Problem) -> AppError {
    AppError::field(field, problem, &())
}

fn refusal_problem(refusal: Refusal) -> Problem {
    match refusal {
        Refusal::NotNow => Problem::StepNotNow,
        Refusal::NotRequired => Problem::AgencyNotRequired,
        Refusal::AlreadyCleared => Problem::AlreadyCleared,
        Refusal::NotHolder => Problem::NotHolder,
    }
}

/// Raises an alert for the gate's officers; never fails the caller's refusal.
async fn alert(
    state: &AppState,
    gate_id: &str,
    kind: &str,
    plate: Option<&str>,
    actor: Actor,
    details: serde_json::Value,
) {
    let raised = sqlx::query(
        "insert into gate_alerts (gate_id, kind, plate, device_id, officer_id, details) values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(gate_id)
    .bind(kind)
    .bind(plate)
    .bind(actor.device_id())
    .bind(actor.user_id())
    .bind(details)
    .execute(&state.pool)
    .await;
    if let Err(error) = raised {
        tracing::error!(%error, kind, "could not raise a gate alert");
    }
}

#[derive(sqlx::FromRow, Debug)]
struct Visit {
    trip_id: Uuid,
    booking_id: Uuid,
    gate_id: String,
    status: String,
    starts_at: DateTime<Utc>,
    quarantine_required: bool,
}

/// `select` of a [`Visit`] with a tail of joins and conditions.
macro_rules! concat_visit {
    ($tail:literal) => {
        concat!(
            "select t.id as trip_id, b.id as booking_id, s.gate_id, t.status, s.starts_at, t.quarantine_required
               from bookings b join trips t on t.id = b.trip_id join slots s on s.id = b.slot_id ",
            $tail
        )
    };
}

/// Writes a step: the trip's new status, its event, and the visit's time stamp, in one
/// transaction. `next` has already been checked; the database checks it again.
async fn record(
    state: &AppState,
    visit: &Visit,
    step: Step,
    to: TripStatus,
    actor: Actor,
    reason: Option<&str>,
    details: serde_json::Value,
) -> Result<(), AppError> {
    let mut transaction = state.pool.begin().await?;
    record_in(&mut transaction, visit, step, to, actor, reason, details).await?;
    transaction.commit().await?;
    Ok(())
}

/// [`record`] inside a transaction of the caller's.
async fn record_in(
    transaction: &mut sqlx::PgConnection,
    visit: &Visit,
    step: Step,
    to: TripStatus,
    actor: Actor,
    reason: Option<&str>,
    details: serde_json::Value,
) -> Result<(), AppError> {
    let updated = sqlx::query("update trips set status = $2 where id = $1 and status = $3")
        .bind(visit.trip_id)
        .bind(to.code())
        .bind(&visit.status)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
    if updated == 0 {
        // Another officer moved it first: refuse rather than act on a stale view.
        return Err(refuse("_form", Problem::StepNotNow));
    }
    let stamp = match step {
        Step::Arrive => Some("arrived_at"),
        Step::CallForward => Some("called_at"),
        Step::Exit => Some("exited_at"),
        _ if to == TripStatus::Cleared => Some("cleared_at"),
        _ => None,
    };
    match stamp {
        Some("arrived_at") => {
            sqlx::query("update bookings set arrived_at = now(), status = 'arrived' where id = $1")
                .bind(visit.booking_id)
                .execute(&mut *transaction)
                .await?;
        }
        Some("called_at") => {
            sqlx::query("update bookings set called_at = now(), lane = $2 where id = $1")
                .bind(visit.booking_id)
                .bind(details["lane"].as_str())
                .execute(&mut *transaction)
                .await?;
        }
        Some("cleared_at") => {
            sqlx::query("update bookings set cleared_at = now() where id = $1")
                .bind(visit.booking_id)
                .execute(&mut *transaction)
                .await?;
        }
        Some("exited_at") => {
            sqlx::query("update bookings set exited_at = now() where id = $1")
                .bind(visit.booking_id)
                .execute(&mut *transaction)
                .await?;
        }
        _ => {}
    }
    if let Some(agency) = actor.agency().filter(|_| {
        matches!(
            step,
            Step::Clear { .. }
                | Step::Route { .. }
                | Step::Hold { .. }
                | Step::Release { .. }
                | Step::Reject { .. }
        )
    }) {
        let (decision, channel) = match step {
            Step::Clear { .. } => ("cleared", details["channel"].as_str()),
            Step::Route { channel } => ("routed", Some(channel.code())),
            Step::Hold { .. } => ("held", None),
            Step::Release { .. } => ("released", None),
            _ => ("rejected", None),
        };
        sqlx::query(
            "insert into agency_decisions (trip_id, agency, decision, channel, reason, note, officer_id)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(visit.trip_id)
        .bind(agency.code())
        .bind(decision)
        .bind(channel)
        .bind(reason)
        .bind(details["note"].as_str())
        .bind(actor.user_id())
        .execute(&mut *transaction)
        .await?;
    }
    let kind = match step {
        Step::Arrive => "arrived",
        Step::CallForward => "called_forward",
        Step::Clear { .. } => "agency_cleared",
        Step::Route { .. } => "routed",
        Step::Hold { .. } => "held",
        Step::Release { .. } => "released",
        Step::Reject { .. } => "rejected",
        Step::Exit => "exited",
        _ => "updated",
    };
    sqlx::query(
        "insert into trip_events (trip_id, kind, actor_id, actor_role, agency, gate_id, reason, details)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(visit.trip_id)
    .bind(kind)
    .bind(actor.user_id())
    .bind(actor.role())
    .bind(actor.agency().map(Agency::code))
    .bind(&visit.gate_id)
    .bind(reason)
    .bind(&details)
    .execute(&mut *transaction)
    .await?;
    if to == TripStatus::Cleared && kind == "agency_cleared" {
        sqlx::query("insert into trip_events (trip_id, kind, actor_role, gate_id) values ($1, 'cleared', 'system', $2)")
            .bind(visit.trip_id)
            .bind(&visit.gate_id)
            .execute(&mut *transaction)
            .await?;
    }
    Ok(())
}

async fn decisions(state: &AppState, trip_id: Uuid) -> Result<Decisions, AppError> {
    let mut connection = state.pool.acquire().await?;
    decisions_in(&mut connection, trip_id).await
}

async fn decisions_in(
    connection: &mut sqlx::PgConnection,
    trip_id: Uuid,
) -> Result<Decisions, AppError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "select agency, decision from agency_decisions where trip_id = $1 order by id",
    )
    .bind(trip_id)
    .fetch_all(&mut *connection)
    .await?;
    let mut decisions = Decisions::default();
    for (agency, decision) in rows {
        let Some(agency) = Agency::from_code(&agency) else {
            continue;
        };
        match decision.as_str() {
            "cleared" => decisions.cleared.push(agency),
            "held" => decisions.holding = Some(agency),
            "released" | "rejected" => decisions.holding = None,
            _ => {}
        }
    }
    Ok(decisions)
}

/// Applies a step to a visit, if the lifecycle allows it.
async fn step(
    state: &AppState,
    visit: &Visit,
    step: Step,
    actor: Actor,
    reason: Option<&str>,
    details: serde_json::Value,
) -> Result<TripStatus, AppError> {
    let status = TripStatus::from_code(&visit.status).ok_or(AppError::Internal)?;
    let decided = decisions(state, visit.trip_id).await?;
    let to = lifecycle::next(status, step, visit.quarantine_required, &decided)
        .map_err(|refusal| refuse("_form", refusal_problem(refusal)))?;
    record(state, visit, step, to, actor, reason, details).await?;
    Ok(to)
}

/// What a check-in at the yard came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckIn {
    CheckedIn(Uuid),
    /// Already in the yard (a second scan changes nothing).
    AlreadyIn(Uuid),
}

/// Checks in the truck whose active booking is `visit`, if now is within its window.
async fn check_in(
    state: &AppState,
    visit: Visit,
    actor: Actor,
    now: DateTime<Utc>,
    how: &str,
    plate: &str,
) -> Result<CheckIn, AppError> {
    if visit.status != TripStatus::Booked.code() {
        return Ok(CheckIn::AlreadyIn(visit.trip_id));
    }
    let gate = super::gates::get(state, &visit.gate_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (opens, closes) = gate.policy().arrival_window(visit.starts_at);
    if now < opens || now > closes {
        if how == "pass" {
            security_events::record_here(
                state,
                EventKind::RefusedPass,
                actor.user_id(),
                "outside_window",
            );
        }
        alert(
            state,
            &visit.gate_id,
            "outside_window",
            Some(plate),
            actor,
            json!({ "trip_id": visit.trip_id, "opens": opens, "closes": closes, "how": how }),
        )
        .await;
        return Err(refuse(
            "pass",
            Problem::OutsideWindow {
                opens: opens.timestamp(),
                closes: closes.timestamp(),
                utc_offset_minutes: super::gates::offset_minutes(&gate.time_zone, now),
            },
        ));
    }
    step(
        state,
        &visit,
        Step::Arrive,
        actor,
        None,
        json!({ "how": how }),
    )
    .await?;
    Ok(CheckIn::CheckedIn(visit.trip_id))
}

/// An officer checks a truck in by its pass: the signed token the QR code carries
/// (verified with the public key, as a scanner would) or the short pass code typed.
pub async fn check_in_by_pass(
    state: &AppState,
    actor: Actor,
    gate_id: &str,
    pass: &str,
    now: DateTime<Utc>,
) -> Result<CheckIn, AppError> {
    let pass = pass.trim();
    if pass.is_empty() {
        return Err(refuse("pass", Problem::Required));
    }
    let visit: Option<Visit> = if pass.matches('.').count() == 2 {
        // A token from the QR code: its signature must hold; its window is checked below
        // against the booking, which may have moved since the pass was shown.
        let Some(claims) = passes::verify_signature(pass, &state.pass_keys.public_key()) else {
            security_events::record_here(state, EventKind::ForgedPass, actor.user_id(), "");
            alert(
                state,
                gate_id,
                "forged_pass",
                None,
                actor,
                json!({ "token_prefix": pass.chars().take(40).collect::<String>() }),
            )
            .await;
            return Err(refuse("pass", Problem::PassForged));
        };
        sqlx::query_as(concat_visit!(
            "where b.trip_id = $1 and b.pass_code = $2 and b.status in ('active', 'arrived')"
        ))
        .bind(claims.trip)
        .bind(&claims.code)
        .fetch_optional(&state.pool)
        .await?
    } else {
        let code = pass.to_uppercase().replace(' ', "");
        let code = if code.len() == 8 && !code.contains('-') {
            format!("{}-{}", &code[..4], &code[4..])
        } else {
            code
        };
        sqlx::query_as(concat_visit!(
            "where b.pass_code = $1 and b.status in ('active', 'arrived')"
        ))
        .bind(&code)
        .fetch_optional(&state.pool)
        .await?
    };
    let Some(visit) = visit else {
        security_events::record_here(state, EventKind::RefusedPass, actor.user_id(), "unknown");
        alert(
            state,
            gate_id,
            "unknown_pass",
            None,
            actor,
            json!({ "pass": pass.chars().take(40).collect::<String>() }),
        )
        .await;
        return Err(refuse("pass", Problem::PassUnknown));
    };
    if visit.gate_id != gate_id {
        security_events::record_here(state, EventKind::RefusedPass, actor.user_id(), "other_gate");
        alert(
            state,
            gate_id,
            "wrong_gate",
            None,
            actor,
            json!({ "trip_id": visit.trip_id, "booked_gate": visit.gate_id }),
        )
        .await;
        return Err(refuse("pass", Problem::PassOtherGate));
    }
    let plate: String = sqlx::query_scalar(
        "select v.plate from trips t join vehicles v on v.id = t.vehicle_id where t.id = $1",
    )
    .bind(visit.trip_id)
    .fetch_one(&state.pool)
    .await?;
    check_in(state, visit, actor, now, "pass", &plate).await
}

/// What a device saw, and what came of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlateRead {
    CheckedIn(Uuid),
    AlreadyIn(Uuid),
    Exited(Uuid),
}

/// A device at the yard or the exit read a plate. At the yard it checks in today's
/// booking of that plate at this gate; at the exit it records a cleared truck leaving.
/// An unknown plate or one outside its window is refused and raised as an alert.
pub async fn plate_read(
    state: &AppState,
    device: &super::devices::Device,
    typed_plate: &str,
    now: DateTime<Utc>,
) -> Result<PlateRead, AppError> {
    let actor = Actor::Device {
        device_id: device.id,
    };
    let plate = Plate::parse(typed_plate)
        .map(|plate| plate.as_str().to_string())
        .unwrap_or_else(|_| compact(typed_plate));
    // The plate's live booking here, nearest to now.
    let visit: Option<Visit> = sqlx::query_as(concat_visit!(
        " join vehicles v on v.id = t.vehicle_id
         where v.plate = $1 and s.gate_id = $2 and b.status in ('active', 'arrived')
           and s.starts_at between $3 - make_interval(days => 1) and $3 + make_interval(days => 1)
         order by abs(extract(epoch from s.starts_at - $3)) limit 1"
    ))
    .bind(&plate)
    .bind(&device.gate_id)
    .bind(now)
    .fetch_optional(&state.pool)
    .await?;
    let Some(visit) = visit else {
        alert(
            state,
            &device.gate_id,
            "unknown_plate",
            Some(&plate),
            actor,
            json!({ "location": device.location }),
        )
        .await;
        return Err(refuse("plate", Problem::PlateNotExpected));
    };
    if device.location == "exit" {
        let trip_id = visit.trip_id;
        step(
            state,
            &visit,
            Step::Exit,
            actor,
            None,
            json!({ "how": "plate" }),
        )
        .await?;
        return Ok(PlateRead::Exited(trip_id));
    }
    match check_in(state, visit, actor, now, "plate", &plate).await? {
        CheckIn::CheckedIn(trip) => Ok(PlateRead::CheckedIn(trip)),
        CheckIn::AlreadyIn(trip) => Ok(PlateRead::AlreadyIn(trip)),
    }
}

/// A trip at this gate (any status), for officers' steps.
async fn visit_at(state: &AppState, gate_id: &str, trip_id: Uuid) -> Result<Visit, AppError> {
    sqlx::query_as(concat_visit!(
        "where t.id = $1 and s.gate_id = $2 and b.status in ('active', 'arrived')"
    ))
    .bind(trip_id)
    .bind(gate_id)
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)
}

/// Traffic police call the next `count` trucks of a direction from the yard to `lane`:
/// perishable cargo first within its slot, then by slot, then by arrival. Returns the
/// trips called.
///
/// Officers calling at the same moment each take the next trucks not being called by
/// another (`for update skip locked`), never the same ones: the one whose call locks
/// first gets the head of the yard, the next the trucks after them. The yard is empty
/// to a call only when no truck waits that another call is not taking.
pub async fn call_forward(
    state: &AppState,
    actor: Actor,
    gate_id: &str,
    direction: &str,
    count: i64,
    lane: &str,
) -> Result<Vec<Uuid>, AppError> {
    if actor.agency() != Some(Agency::TrafficPolice) {
        return Err(AppError::Forbidden);
    }
    let mut transaction = state.pool.begin().await?;
    let waiting: Vec<Visit> = sqlx::query_as(concat_visit!(
        "where s.gate_id = $1 and s.direction = $2 and t.status = 'arrived'
         order by s.starts_at, t.perishable desc, b.arrived_at
         limit $3
         for update of t skip locked"
    ))
    .bind(gate_id)
    .bind(direction)
    .bind(count)
    .fetch_all(&mut *transaction)
    .await?;
    let mut called = Vec::new();
    for visit in waiting {
        let status = TripStatus::from_code(&visit.status).ok_or(AppError::Internal)?;
        let decided = decisions_in(&mut transaction, visit.trip_id).await?;
        let Ok(to) = lifecycle::next(
            status,
            Step::CallForward,
            visit.quarantine_required,
            &decided,
        ) else {
            continue;
        };
        let details = json!({ "lane": lane });
        match record_in(
            &mut transaction,
            &visit,
            Step::CallForward,
            to,
            actor,
            None,
            details,
        )
        .await
        {
            Ok(()) => called.push(visit.trip_id),
            // Locked by this call, so no other can have moved it; skipped if one did.
            Err(AppError::Invalid { .. }) => {}
            Err(error) => return Err(error),
        }
    }
    transaction.commit().await?;
    Ok(called)
}

/// An agency's decision on a truck in the lanes.
#[derive(Debug, Clone)]
pub enum Decision {
    Clear { channel: Option<Channel> },
    Route { channel: Channel },
    Hold { reason: HoldReason, note: String },
    Release,
    Reject { note: String },
}

/// Records an agency's decision, for its own part only.
pub async fn decide(
    state: &AppState,
    actor: Actor,
    gate_id: &str,
    trip_id: Uuid,
    decision: Decision,
) -> Result<TripStatus, AppError> {
    let Some(agency) = actor.agency() else {
        return Err(AppError::Forbidden);
    };
    let visit = visit_at(state, gate_id, trip_id).await?;
    let (step_taken, reason, details) = match decision {
        Decision::Clear { channel } => {
            if agency == Agency::Customs && channel.is_none() {
                // Customs clears in a channel: the one it routed to, if it did.
                let routed: Option<String> = sqlx::query_scalar(
                    "select channel from agency_decisions where trip_id = $1 and agency = 'customs' and channel is not null order by id desc limit 1",
                )
                .bind(trip_id)
                .fetch_optional(&state.pool)
                .await?;
                if routed.is_none() {
                    return Err(refuse("channel", Problem::Required));
                }
                (Step::Clear { agency }, None, json!({ "channel": routed }))
            } else {
                (
                    Step::Clear { agency },
                    None,
                    json!({ "channel": channel.filter(|_| agency == Agency::Customs).map(Channel::code) }),
                )
            }
        }
        Decision::Route { channel } if agency == Agency::Customs => (
            Step::Route { channel },
            None,
            json!({ "channel": channel.code() }),
        ),
        Decision::Route { .. } => return Err(AppError::Forbidden),
        Decision::Hold { reason, note } => (
            Step::Hold { agency },
            Some(reason.code()),
            json!({ "note": note }),
        ),
        Decision::Release => (Step::Release { agency }, None, json!({})),
        Decision::Reject { note } => (Step::Reject { agency }, None, json!({ "note": note })),
    };
    step(state, &visit, step_taken, actor, reason, details).await
}

/// A border guard confirms a cleared truck crossed (the exit camera does the same).
pub async fn exit(
    state: &AppState,
    actor: Actor,
    gate_id: &str,
    trip_id: Uuid,
) -> Result<TripStatus, AppError> {
    if actor.agency() != Some(Agency::BorderGuard) {
        return Err(AppError::Forbidden);
    }
    let visit = visit_at(state, gate_id, trip_id).await?;
    step(
        state,
        &visit,
        Step::Exit,
        actor,
        None,
        json!({ "how": "officer" }),
    )
    .await
}

pub async fn acknowledge_alert(
    state: &AppState,
    actor: Actor,
    gate_id: &str,
    alert_id: i64,
) -> Result<bool, AppError> {
    Ok(sqlx::query("update gate_alerts set acknowledged_by = $3, acknowledged_at = now() where id = $1 and gate_id = $2 and acknowledged_at is null")
        .bind(alert_id)
        .bind(gate_id)
        .bind(actor.user_id())
        .execute(&state.pool)
        .await?
        .rows_affected()
        > 0)
}
