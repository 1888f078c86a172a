//! Booking gate slots, moving and cancelling bookings, and gate passes.

use crate::{
    error::AppError,
    models::{gates::DaySlots, trips::GatePass},
};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

/// The slots of a day at the trip's gate and direction, with what this trip may take.
#[server(endpoint = "day_slots")]
pub async fn get_day_slots(trip_id: String, day: String) -> Result<DaySlots, AppError> {
    use super::{parse_day, parse_id};
    let state = crate::server::state()?;
    let viewer = super::trip_viewer(&state).await?;
    crate::server::bookings::day_slots(
        &state,
        viewer,
        parse_id(&trip_id)?,
        parse_day(&day),
        chrono::Utc::now(),
    )
    .await?
    .ok_or(AppError::NotFound)
}

#[cfg(feature = "ssr")]
async fn take(
    trip_id: &str,
    slot_id: &str,
    request_key: &str,
    kind: crate::server::bookings::Kind,
) -> Result<uuid::Uuid, AppError> {
    use super::parse_id;
    let state = crate::server::state()?;
    let (Ok(trip_id), Ok(slot_id)) = (parse_id(trip_id), slot_id.trim().parse::<i64>()) else {
        // Signed out or not allowed says so first, as everywhere.
        super::trip_viewer(&state).await?;
        return Err(AppError::NotFound);
    };
    // The session is checked by the booking snapshot, in the same statement.
    let booking = crate::server::bookings::book(
        &state,
        crate::server::sessions::claimed_session(&state),
        crate::server::request::client_address(),
        trip_id,
        slot_id,
        request_key.trim(),
        kind,
        chrono::Utc::now(),
    )
    .await?;
    let notice = match kind {
        crate::server::bookings::Kind::Book => "booked",
        crate::server::bookings::Kind::Move => "moved",
    };
    crate::server::request::redirect(&format!("/trips/{trip_id}?{notice}=1"));
    Ok(booking)
}

/// Books a slot for a declared trip. `request_key` makes it idempotent: a retry returns
/// the first attempt's booking; another request under the same key is refused.
#[server(endpoint = "book_slot")]
pub async fn book_slot(
    trip_id: String,
    slot_id: String,
    request_key: String,
) -> Result<uuid::Uuid, AppError> {
    take(
        &trip_id,
        &slot_id,
        &request_key,
        crate::server::bookings::Kind::Book,
    )
    .await
}

/// Moves a booked trip to another slot, atomically: it never holds two slots or none.
#[server(endpoint = "move_booking")]
pub async fn move_booking(
    trip_id: String,
    slot_id: String,
    request_key: String,
) -> Result<uuid::Uuid, AppError> {
    take(
        &trip_id,
        &slot_id,
        &request_key,
        crate::server::bookings::Kind::Move,
    )
    .await
}

/// Cancels a booking. Counts against the firm's and the address's booking limits, as
/// booking and moving do.
#[server(endpoint = "cancel_booking")]
pub async fn cancel_booking(trip_id: String) -> Result<(), AppError> {
    use super::parse_id;
    use crate::{
        domain::Problem,
        server::{request, throttle},
    };
    let state = crate::server::state()?;
    let viewer = super::trip_viewer(&state).await?;
    let trip_id = parse_id(&trip_id)?;
    let who = throttle::Who {
        account: Some(viewer.user_id),
        address: request::client_address(),
    };
    let counters = state
        .settings
        .throttles
        .booking_change(viewer.firm_id, who.address);
    throttle::take(&state, &counters, who).await?;
    if !crate::server::bookings::cancel(&state, viewer, trip_id, chrono::Utc::now()).await? {
        return Err(AppError::field("slot", Problem::TripNotBooked, &()));
    }
    crate::server::request::redirect(&format!("/trips/{trip_id}?cancelled=1"));
    Ok(())
}

#[server(endpoint = "gate_pass")]
pub async fn get_gate_pass(trip_id: String) -> Result<GatePass, AppError> {
    use super::parse_id;
    let state = crate::server::state()?;
    let viewer = super::trip_viewer(&state).await?;
    crate::server::passes::gate_pass(&state, viewer, parse_id(&trip_id)?)
        .await?
        .ok_or(AppError::NotFound)
}

/// The public key gate scanners verify passes with, as a JSON Web Key (GET, cacheable).
#[server(endpoint = "gate_pass_key", input = GetUrl)]
pub async fn gate_pass_key() -> Result<serde_json::Value, AppError> {
    let state = crate::server::state()?;
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("public, max-age=3600"),
        );
    }
    Ok(state.pass_keys.public_jwk())
}
