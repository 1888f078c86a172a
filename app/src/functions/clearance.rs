//! Officers at the gate: check-in, calling forward, agency decisions, exit, alerts, and
//! the console and dashboard they work from.

use crate::{
    error::AppError,
    models::{
        clearance::{Console, Dashboard},
        gates::Gate,
    },
};
use leptos::prelude::*;

/// The officer at a gate, or Forbidden.
#[cfg(feature = "ssr")]
async fn officer(
    gate_id: &str,
) -> Result<(crate::server::AppState, crate::server::clearance::Actor), AppError> {
    let state = crate::server::state()?;
    let user = crate::server::sessions::require_user(&state).await?;
    let actor = crate::server::clearance::officer_at(&state, &user, gate_id.trim()).await?;
    Ok((state, actor))
}

/// The console's direction, parsed before anything else runs.
#[cfg(feature = "ssr")]
fn direction(text: &str) -> Result<crate::domain::trip::Direction, AppError> {
    crate::domain::trip::Direction::from_code(text)
        .ok_or_else(|| AppError::refused("direction", crate::domain::Problem::UnknownChoice))
}

/// Back to the console after a plain form post (the gate's id is one the officer is
/// posted to, checked before this runs).
#[cfg(feature = "ssr")]
fn back_to_console(gate_id: &str, direction: crate::domain::trip::Direction) {
    crate::server::request::redirect(&format!(
        "/console/{}?direction={}",
        gate_id.trim(),
        direction.code()
    ));
}

/// The gates the signed-in officer is posted to.
#[server(endpoint = "my_posts")]
pub async fn my_posts() -> Result<Vec<Gate>, AppError> {
    use crate::{
        domain::role::Role,
        server::{gates, sessions},
    };
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    if !matches!(user.role, Role::Officer(_)) {
        return Err(AppError::Forbidden);
    }
    let rows: Vec<String> =
        sqlx::query_scalar("select gate_id from gate_staff where user_id = $1 order by gate_id")
            .bind(user.user_id)
            .fetch_all(&state.pool)
            .await?;
    let now = chrono::Utc::now();
    let mut posts = Vec::new();
    for gate_id in rows {
        if let Some(gate) = gates::get(&state, &gate_id).await? {
            posts.push(gate.gate(now));
        }
    }
    Ok(posts)
}

#[server(endpoint = "get_console")]
pub async fn get_console(gate_id: String, direction: String) -> Result<Console, AppError> {
    let (state, actor) = officer(&gate_id).await?;
    let crate::server::clearance::Actor::Officer { agency, .. } = actor else {
        return Err(AppError::Forbidden);
    };
    let direction = if direction.trim().is_empty() {
        crate::domain::trip::Direction::Export
    } else {
        self::direction(&direction)?
    };
    crate::server::console::console(
        &state,
        agency,
        gate_id.trim(),
        direction,
        chrono::Utc::now(),
    )
    .await
}

/// Checks a truck in at the yard by its pass: the token a scanned QR code carries, or the
/// pass code typed by hand.
#[server(endpoint = "check_in")]
pub async fn check_in(
    gate_id: String,
    direction: String,
    pass: String,
) -> Result<uuid::Uuid, AppError> {
    use crate::server::clearance::{CheckIn, check_in_by_pass};
    let direction = self::direction(&direction)?;
    let (state, actor) = officer(&gate_id).await?;
    let trip =
        match check_in_by_pass(&state, actor, gate_id.trim(), &pass, chrono::Utc::now()).await? {
            CheckIn::CheckedIn(trip) | CheckIn::AlreadyIn(trip) => trip,
        };
    back_to_console(&gate_id, direction);
    Ok(trip)
}

/// Traffic police call the next trucks of a direction forward to a lane.
#[server(endpoint = "call_forward")]
pub async fn call_forward(
    gate_id: String,
    direction: String,
    count: String,
    lane: String,
) -> Result<Vec<uuid::Uuid>, AppError> {
    use crate::domain::{Problem, form::whole_number, text::bounded};
    let direction = self::direction(&direction)?;
    let (state, actor) = officer(&gate_id).await?;
    #[derive(serde::Serialize)]
    struct Typed<'a> {
        count: &'a str,
        lane: &'a str,
    }
    let typed = Typed {
        count: &count,
        lane: &lane,
    };
    let number =
        whole_number(&count, 1, 50).map_err(|problem| AppError::field("count", problem, &typed))?;
    let lane_name =
        bounded(&lane, 1, 20).map_err(|problem| AppError::field("lane", problem, &typed))?;
    let called = crate::server::clearance::call_forward(
        &state,
        actor,
        gate_id.trim(),
        direction.code(),
        number,
        &lane_name,
    )
    .await?;
    if called.is_empty() {
        return Err(AppError::field("count", Problem::YardEmpty, &typed));
    }
    back_to_console(&gate_id, direction);
    Ok(called)
}

/// An agency decides on a truck: `decision` is `clear`, `route`, `hold`, `release` or
/// `reject`; customs gives a `channel`; a hold gives a `reason` from the list and may add
/// a `note`.
#[server(endpoint = "decide")]
pub async fn decide(
    gate_id: String,
    direction: String,
    trip_id: String,
    decision: String,
    #[server(default)] channel: String,
    #[server(default)] reason: String,
    #[server(default)] note: String,
) -> Result<crate::domain::trip::TripStatus, AppError> {
    use super::parse_id;
    use crate::{
        domain::{
            Problem,
            lifecycle::{Channel, HoldReason},
        },
        server::clearance::{self, Decision},
    };
    let direction = self::direction(&direction)?;
    let (state, actor) = officer(&gate_id).await?;
    #[derive(serde::Serialize)]
    struct Typed<'a> {
        note: &'a str,
    }
    let typed = Typed { note: &note };
    let note_text = note.trim().to_string();
    if note_text.chars().count() > 500 {
        return Err(AppError::field(
            "note",
            Problem::TooLong { max: 500 },
            &typed,
        ));
    }
    let channel = if channel.trim().is_empty() {
        None
    } else {
        Some(
            Channel::from_code(&channel)
                .ok_or_else(|| AppError::field("channel", Problem::UnknownChoice, &typed))?,
        )
    };
    let decision = match decision.trim() {
        "clear" => Decision::Clear { channel },
        "route" => Decision::Route {
            channel: channel
                .ok_or_else(|| AppError::field("channel", Problem::Required, &typed))?,
        },
        "hold" => Decision::Hold {
            reason: HoldReason::from_code(&reason)
                .ok_or_else(|| AppError::field("reason", Problem::UnknownChoice, &typed))?,
            note: note_text,
        },
        "release" => Decision::Release,
        "reject" => {
            if note_text.is_empty() {
                return Err(AppError::field("note", Problem::Required, &typed));
            }
            Decision::Reject { note: note_text }
        }
        _ => return Err(AppError::field("decision", Problem::UnknownChoice, &typed)),
    };
    let status =
        clearance::decide(&state, actor, gate_id.trim(), parse_id(&trip_id)?, decision).await?;
    back_to_console(&gate_id, direction);
    Ok(status)
}

/// A border guard confirms a cleared truck crossed.
#[server(endpoint = "confirm_exit")]
pub async fn confirm_exit(
    gate_id: String,
    direction: String,
    trip_id: String,
) -> Result<(), AppError> {
    use super::parse_id;
    let direction = self::direction(&direction)?;
    let (state, actor) = officer(&gate_id).await?;
    crate::server::clearance::exit(&state, actor, gate_id.trim(), parse_id(&trip_id)?).await?;
    back_to_console(&gate_id, direction);
    Ok(())
}

#[server(endpoint = "acknowledge_alert")]
pub async fn acknowledge_alert(
    gate_id: String,
    direction: String,
    alert_id: String,
) -> Result<(), AppError> {
    let direction = self::direction(&direction)?;
    let (state, actor) = officer(&gate_id).await?;
    let alert_id: i64 = alert_id.trim().parse().map_err(|_| AppError::NotFound)?;
    if !crate::server::clearance::acknowledge_alert(&state, actor, gate_id.trim(), alert_id).await?
    {
        return Err(AppError::NotFound);
    }
    back_to_console(&gate_id, direction);
    Ok(())
}

#[server(endpoint = "get_dashboard")]
pub async fn get_dashboard(gate_id: String, day: String) -> Result<Dashboard, AppError> {
    let state = crate::server::state()?;
    let user = crate::server::sessions::require_user(&state).await?;
    // Officers posted at the gate and its admins see its dashboard.
    if crate::server::clearance::officer_at(&state, &user, gate_id.trim())
        .await
        .is_err()
    {
        crate::server::gates::require_admin(&state, &user, gate_id.trim()).await?;
    }
    crate::server::console::dashboard(
        &state,
        gate_id.trim(),
        super::parse_day(&day),
        chrono::Utc::now(),
    )
    .await
}
