//! The firm's fleet: admins and clerks register, edit, deactivate and import vehicles.

use crate::{
    error::AppError,
    models::{FleetPage, ImportReport, Vehicle},
};
use leptos::prelude::*;
use server_fn::codec::{MultipartData, MultipartFormData};

#[server(endpoint = "list_vehicles")]
pub async fn list_vehicles(search: String) -> Result<FleetPage, AppError> {
    use crate::{
        domain::role::Role,
        server::{fleet, sessions},
    };
    let state = crate::server::state()?;
    let (_, firm_id) = sessions::require_firm_member(&state, Role::manages_fleet).await?;
    fleet::list(&state, firm_id, &search).await
}

#[server(endpoint = "get_vehicle")]
pub async fn get_vehicle(vehicle_id: String) -> Result<Vehicle, AppError> {
    use super::parse_id;
    use crate::{
        domain::role::Role,
        server::{fleet, sessions},
    };
    let state = crate::server::state()?;
    let (_, firm_id) = sessions::require_firm_member(&state, Role::manages_fleet).await?;
    fleet::get(&state, firm_id, parse_id(&vehicle_id)?)
        .await?
        .ok_or(AppError::NotFound)
}

#[server(endpoint = "add_vehicle")]
pub async fn add_vehicle(
    plate: String,
    trailer_plate: String,
    kind: String,
    axles: String,
    gross_weight_kg: String,
    country: String,
) -> Result<Vehicle, AppError> {
    use crate::{
        domain::{role::Role, vehicle::VehicleForm},
        server::{fleet, request, sessions},
    };
    let state = crate::server::state()?;
    let (_, firm_id) = sessions::require_firm_member(&state, Role::manages_fleet).await?;
    let form = VehicleForm {
        plate,
        trailer_plate,
        kind,
        axles,
        gross_weight_kg,
        country,
    };
    let details = form
        .parse()
        .map_err(|errors| AppError::invalid(errors, &form))?;
    let vehicle = fleet::add(&state, firm_id, &details)
        .await
        .map_err(|error| error.for_form(&form))?;
    request::redirect(&format!("/fleet?added={}", vehicle.plate.as_str()));
    Ok(vehicle)
}

#[server(endpoint = "update_vehicle")]
pub async fn update_vehicle(
    vehicle_id: String,
    plate: String,
    trailer_plate: String,
    kind: String,
    axles: String,
    gross_weight_kg: String,
    country: String,
) -> Result<Vehicle, AppError> {
    use super::parse_id;
    use crate::{
        domain::{role::Role, vehicle::VehicleForm},
        server::{fleet, request, sessions},
    };
    let state = crate::server::state()?;
    let (_, firm_id) = sessions::require_firm_member(&state, Role::manages_fleet).await?;
    let vehicle_id = parse_id(&vehicle_id)?;
    let form = VehicleForm {
        plate,
        trailer_plate,
        kind,
        axles,
        gross_weight_kg,
        country,
    };
    let details = form
        .parse()
        .map_err(|errors| AppError::invalid(errors, &form))?;
    let vehicle = fleet::update(&state, firm_id, vehicle_id, &details)
        .await
        .map_err(|error| error.for_form(&form))?
        .ok_or(AppError::NotFound)?;
    request::redirect(&format!("/fleet/{}?saved=1", vehicle.id));
    Ok(vehicle)
}

/// Deactivates a vehicle (it keeps its history; its plate is freed) or reactivates it.
#[server(endpoint = "set_vehicle_active")]
pub async fn set_vehicle_active(vehicle_id: String, active: String) -> Result<Vehicle, AppError> {
    use super::{parse_flag, parse_id};
    use crate::{
        domain::role::Role,
        server::{fleet, request, sessions},
    };
    let state = crate::server::state()?;
    let (_, firm_id) = sessions::require_firm_member(&state, Role::manages_fleet).await?;
    let vehicle_id = parse_id(&vehicle_id)?;
    #[derive(serde::Serialize)]
    struct Typed {
        active: String,
    }
    let typed = Typed {
        active: active.clone(),
    };
    let vehicle = fleet::set_active(&state, firm_id, vehicle_id, parse_flag("active", &active)?)
        .await
        .map_err(|error| error.for_form(&typed))?
        .ok_or(AppError::NotFound)?;
    request::redirect(&format!("/fleet/{}", vehicle.id));
    Ok(vehicle)
}

/// Imports vehicles from an uploaded CSV file (multipart field `file`); answers with the
/// id of the stored report, and sends a plain form post on to the report's page.
#[server(endpoint = "import_vehicles", input = MultipartFormData)]
pub async fn import_vehicles(data: MultipartData) -> Result<uuid::Uuid, AppError> {
    use crate::{
        domain::{Problem, fleet_csv, role::Role},
        server::{fleet, request, sessions},
    };
    let state = crate::server::state()?;
    let (user, firm_id) = sessions::require_firm_member(&state, Role::manages_fleet).await?;

    #[derive(serde::Serialize, Default)]
    struct Typed {}
    let refuse = |problem: Problem| AppError::field("file", problem, &Typed {});

    let mut multipart = data.into_inner().ok_or(AppError::BadRequest)?;
    let mut upload: Option<(String, Vec<u8>)> = None;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest)?
    {
        if field.name() != Some("file") {
            continue;
        }
        let file_name = field
            .file_name()
            .unwrap_or("vehicles.csv")
            .chars()
            .take(200)
            .collect::<String>();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| AppError::BadRequest)? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > fleet_csv::MAX_BYTES {
                return Err(refuse(Problem::CsvTooLarge {
                    max_rows: fleet_csv::MAX_ROWS,
                }));
            }
        }
        upload = Some((file_name, bytes));
    }
    let (file_name, bytes) = upload.ok_or_else(|| refuse(Problem::Required))?;
    let judged = fleet_csv::judge(&bytes).map_err(refuse)?;
    let import_id = fleet::import(&state, firm_id, user.user_id, &file_name, judged).await?;
    request::redirect(&format!("/fleet/imports/{import_id}"));
    Ok(import_id)
}

#[server(endpoint = "get_import")]
pub async fn get_import(import_id: String) -> Result<ImportReport, AppError> {
    use super::parse_id;
    use crate::{
        domain::role::Role,
        server::{fleet, sessions},
    };
    let state = crate::server::state()?;
    let (_, firm_id) = sessions::require_firm_member(&state, Role::manages_fleet).await?;
    fleet::import_report(&state, firm_id, parse_id(&import_id)?)
        .await?
        .ok_or(AppError::NotFound)
}
