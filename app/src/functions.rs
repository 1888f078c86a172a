//! Server functions, grouped by area. Each is a stable HTTP endpoint under `/api/`
//! (named, so tests, benchmarks and devices can call it), takes every field as typed
//! text, parses it with the domain rules and answers with [`crate::error::AppError`].

pub mod auth;
pub mod firms;
pub mod fleet;
pub mod people;

/// Ids arrive as text; one that does not parse names nothing, like another firm's id.
#[cfg(feature = "ssr")]
fn parse_id(text: &str) -> Result<uuid::Uuid, crate::error::AppError> {
    uuid::Uuid::parse_str(text.trim()).map_err(|_| crate::error::AppError::NotFound)
}

/// Checkbox-like fields of plain forms: "true" / "false".
#[cfg(feature = "ssr")]
fn parse_flag(text: &str) -> Result<bool, crate::error::AppError> {
    match text.trim() {
        "true" | "on" | "1" => Ok(true),
        "false" | "off" | "0" => Ok(false),
        _ => Err(crate::error::AppError::BadRequest),
    }
}
