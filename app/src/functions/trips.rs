//! Declaring trips and following them.

use crate::{
    error::AppError,
    models::trips::{TripDetail, TripFormOptions, TripSummary},
};
use leptos::prelude::*;

/// The firm's trips (a driver's own), optionally of one status (`""` for all).
#[server(endpoint = "list_trips")]
pub async fn list_trips(
    status: String,
    #[server(default)] day: String,
) -> Result<Vec<TripSummary>, AppError> {
    use crate::{domain::trip::TripStatus, server::trips};
    let state = crate::server::state()?;
    let viewer = super::trip_viewer(&state).await?;
    trips::list(
        &state,
        viewer,
        TripStatus::from_code(status.trim()),
        day.trim() == "today",
    )
    .await
}

#[server(endpoint = "get_trip")]
pub async fn get_trip(trip_id: String) -> Result<TripDetail, AppError> {
    use super::parse_id;
    let state = crate::server::state()?;
    let viewer = super::trip_viewer(&state).await?;
    crate::server::trips::detail(&state, viewer, parse_id(&trip_id)?, chrono::Utc::now())
        .await?
        .ok_or(AppError::NotFound)
}

/// The choices of the trip form, and the trip's values when `trip_id` names one.
#[server(endpoint = "trip_form_options")]
pub async fn get_trip_form(trip_id: String) -> Result<TripFormOptions, AppError> {
    use super::parse_id;
    let state = crate::server::state()?;
    let viewer = super::trip_viewer(&state).await?;
    let editing = if trip_id.trim().is_empty() {
        None
    } else {
        Some(parse_id(&trip_id)?)
    };
    crate::server::trips::options(&state, viewer, editing, chrono::Utc::now())
        .await?
        .ok_or(AppError::NotFound)
}

/// Saves a trip as a draft (`intent=draft`) or declares it (`intent=declare`). A new
/// trip when `trip_id` is empty. Check boxes are sent only when ticked.
#[server(endpoint = "save_trip")]
#[allow(clippy::too_many_arguments)]
pub async fn save_trip(
    trip_id: String,
    intent: String,
    vehicle_id: String,
    driver_id: String,
    direction: String,
    gate_id: String,
    planned_date: String,
    cargo_description: String,
    hs_code: String,
    cargo_weight_kg: String,
    packages: String,
    containers: String,
    customs_declaration: String,
    seal_number: String,
    perishable: Option<String>,
    refrigerated: Option<String>,
    set_temperature: String,
    quarantine_required: Option<String>,
) -> Result<uuid::Uuid, AppError> {
    use super::parse_id;
    use crate::{
        domain::trip::{Intent, TripForm},
        server::{gates, request, trips},
    };
    let state = crate::server::state()?;
    let viewer = super::trip_viewer(&state).await?;
    let editing = if trip_id.trim().is_empty() {
        None
    } else {
        Some(parse_id(&trip_id)?)
    };
    let intent = Intent::from_code(&intent)
        .ok_or_else(|| AppError::refused("intent", crate::domain::Problem::UnknownChoice))?;
    let form = TripForm {
        vehicle_id,
        driver_id,
        direction,
        gate_id,
        planned_date,
        cargo_description,
        hs_code,
        cargo_weight_kg,
        packages,
        containers,
        customs_declaration,
        seal_number,
        perishable,
        refrigerated,
        set_temperature,
        quarantine_required,
    };
    let now = chrono::Utc::now();
    let zone = match gates::get(&state, form.gate_id.trim()).await? {
        Some(gate) => gate.time_zone,
        None => "Asia/Ho_Chi_Minh".to_string(),
    };
    let details = form
        .parse(intent, gates::local_today(&zone, now))
        .map_err(|errors| AppError::invalid(errors, &form))?;
    let saved = trips::save(&state, viewer, editing, intent, &details)
        .await
        .map_err(|error| error.for_form(&form))?;
    let notice = match intent {
        Intent::Draft => "saved",
        Intent::Declare => "declared",
    };
    request::redirect(&format!("/trips/{saved}?{notice}=1"));
    Ok(saved)
}

/// After booking, the driver is the only thing that may change.
#[server(endpoint = "change_driver")]
pub async fn change_driver(trip_id: String, driver_id: String) -> Result<(), AppError> {
    use super::parse_id;
    use crate::{
        domain::Problem,
        server::{request, trips},
    };
    let state = crate::server::state()?;
    let viewer = super::trip_viewer(&state).await?;
    if viewer.driver_only {
        return Err(AppError::Forbidden);
    }
    #[derive(serde::Serialize)]
    struct Typed<'a> {
        driver_id: &'a str,
    }
    let trip_id = parse_id(&trip_id)?;
    let driver = uuid::Uuid::parse_str(driver_id.trim()).map_err(|_| {
        AppError::field(
            "driver_id",
            Problem::UnknownChoice,
            &Typed {
                driver_id: &driver_id,
            },
        )
    })?;
    let changed = trips::change_driver(&state, viewer, trip_id, driver)
        .await
        .map_err(|error| {
            error.for_form(&Typed {
                driver_id: &driver_id,
            })
        })?;
    if !changed {
        return Err(AppError::field(
            "driver_id",
            Problem::TripNotBooked,
            &Typed {
                driver_id: &driver_id,
            },
        ));
    }
    request::redirect(&format!("/trips/{trip_id}"));
    Ok(())
}
