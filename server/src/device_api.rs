//! The machine API for gate devices: `POST /devices/v1/plate-reads` with
//! `Authorization: Bearer <device key>` and `{"plate": "12C-123.45"}`. A camera at the
//! yard checks trucks in; one at the exit records them crossing. Answers JSON: 200 with
//! the outcome; errors in the shape of every other API of the portal (`AppError`): 401
//! for a missing, unknown or revoked key (recorded in the security log), 400 for a body
//! that is not JSON, 422 naming the field for a missing or mistyped plate, and (with an
//! alert for the officers) for a plate no booking expects or outside its window.

use app::{
    domain::{Problem, security::EventKind, text::typeable},
    error::AppError,
    server::{
        AppState,
        clearance::{self, PlateRead},
        devices, security_events,
    },
};
use axum::{
    Json,
    body::Bytes,
    extract::{ConnectInfo, State},
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use serde_json::json;

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The reading's plate as text, or the field's problem: the body is read as any JSON
/// first, so a missing or mistyped plate is named, not a bare "bad request".
fn plate_of(body: &[u8]) -> Result<String, AppError> {
    #[derive(Serialize)]
    struct Typed {}
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| AppError::BadRequest)?;
    match value.get("plate") {
        Some(serde_json::Value::String(plate)) => {
            let plate =
                typeable(plate).map_err(|problem| AppError::field("plate", problem, &Typed {}))?;
            // The longest plate of any form has 12 characters with its separators.
            if plate.chars().count() > 20 {
                return Err(AppError::field(
                    "plate",
                    Problem::TooLong { max: 20 },
                    &Typed {},
                ));
            }
            Ok(plate.to_string())
        }
        None | Some(serde_json::Value::Null) => {
            Err(AppError::field("plate", Problem::Required, &Typed {}))
        }
        Some(_) => Err(AppError::field("plate", Problem::PlateFormat, &Typed {})),
    }
}

pub async fn plate_read(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
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
            return AppError::NotSignedIn.into_response();
        }
        Err(error) => return error.into_response(),
    };
    let plate = match plate_of(&body) {
        Ok(plate) => plate,
        Err(error) => return error.into_response(),
    };
    match clearance::plate_read(&state, &device, &plate, chrono::Utc::now()).await {
        Ok(PlateRead::CheckedIn(trip)) => {
            Json(json!({ "outcome": "checked_in", "trip_id": trip })).into_response()
        }
        Ok(PlateRead::AlreadyIn(trip)) => {
            Json(json!({ "outcome": "already_in", "trip_id": trip })).into_response()
        }
        Ok(PlateRead::Exited(trip)) => {
            Json(json!({ "outcome": "exited", "trip_id": trip })).into_response()
        }
        Err(error) => error.into_response(),
    }
}
