//! Server functions, grouped by area. Each is a stable HTTP endpoint under `/api/`
//! (named, so tests, benchmarks and devices can call it), takes every field as typed
//! text, parses it with the domain rules and answers with [`crate::error::AppError`].

pub mod account;
pub mod auth;
pub mod board;
pub mod bookings;
pub mod clearance;
pub mod firms;
pub mod fleet;
pub mod gates;
pub mod people;
pub mod push;
pub mod security;
pub mod trips;

/// Ids arrive as text; one that does not parse names nothing, like another firm's id.
#[cfg(feature = "ssr")]
fn parse_id(text: &str) -> Result<uuid::Uuid, crate::error::AppError> {
    uuid::Uuid::parse_str(text.trim()).map_err(|_| crate::error::AppError::NotFound)
}

/// The signed-in member of a firm who declares trips, as the trip queries see them.
#[cfg(feature = "ssr")]
async fn trip_viewer(
    state: &crate::server::AppState,
) -> Result<crate::server::trips::Viewer, crate::error::AppError> {
    crate::server::trips::Viewer::require(state).await
}

/// A day typed as `YYYY-MM-DD`; anything else is no day (the page picks one).
#[cfg(feature = "ssr")]
fn parse_day(text: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// Checkbox-like fields of plain forms: "true" / "false"; anything else is refused by
/// the field's name.
#[cfg(feature = "ssr")]
fn parse_flag(field: &str, text: &str) -> Result<bool, crate::error::AppError> {
    match text.trim() {
        "true" | "on" | "1" => Ok(true),
        "false" | "off" | "0" => Ok(false),
        _ => Err(crate::error::AppError::refused(
            field,
            crate::domain::Problem::UnknownChoice,
        )),
    }
}
