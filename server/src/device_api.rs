//! The machine API for gate devices: `POST /devices/v1/plate-reads` with
//! `Authorization: Bearer <device key>` and `{"plate": "12C-123.45"}`. A camera at the
//! yard checks trucks in; one at the exit records them crossing. Answers JSON: 200 with
//! the outcome, 401 for a missing, unknown or revoked key, 422 (and an alert for the
//! officers) for a plate no booking expects or outside its window. A refused key is
//! recorded in the security log.

use app::{
    domain::security::EventKind,
    error::AppError,
    server::{
        AppState,
        clearance::{self, PlateRead},
        devices, security_events,
    },
};
use axum::{
    Json,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct Reading {
    plate: String,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

pub async fn plate_read(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    reading: Option<Json<Reading>>,
) -> Response {
    let device = match bearer(&headers) {
        Some(key) => devices::by_key(&state, key).await,
        None => Ok(None),
    };
    let device = match device {
        Ok(Some(device)) => device,
        Ok(None) => {
            let detail = if bearer(&headers).is_some() {
                "unknown_or_revoked"
            } else {
                "missing"
            };
            security_events::record(
                &state,
                EventKind::DeviceKeyRefused,
                None,
                Some(client.ip()),
                detail,
            );
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({ "error": "unknown_or_revoked_key" })),
            )
                .into_response();
        }
        Err(error) => return answer_error(error),
    };
    let Some(Json(reading)) = reading else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "expected {\"plate\": \"...\"}" })),
        )
            .into_response();
    };
    match clearance::plate_read(&state, &device, &reading.plate, chrono::Utc::now()).await {
        Ok(PlateRead::CheckedIn(trip)) => {
            Json(json!({ "outcome": "checked_in", "trip_id": trip })).into_response()
        }
        Ok(PlateRead::AlreadyIn(trip)) => {
            Json(json!({ "outcome": "already_in", "trip_id": trip })).into_response()
        }
        Ok(PlateRead::Exited(trip)) => {
            Json(json!({ "outcome": "exited", "trip_id": trip })).into_response()
        }
        Err(error) => answer_error(error),
    }
}

fn answer_error(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let problems: Vec<serde_json::Value> = match &error {
        AppError::Invalid { fields, .. } => fields
            .iter()
            .map(|field| json!({ "field": field.field, "problem": field.problem }))
            .collect(),
        _ => Vec::new(),
    };
    (
        status,
        Json(json!({ "error": error.to_string(), "problems": problems })),
    )
        .into_response()
}
