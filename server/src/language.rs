//! `/lang/{code}`: switches the interface language without JavaScript, by setting the
//! same cookie the i18n context reads, then going back where the user was.

use app::{components::language::language_cookie, server::request::same_origin_path};
use axum::{
    extract::{Path, Query},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Back {
    next: Option<String>,
}

/// Only paths of this site: never `//evil.example`, `https://...` or a path that a
/// browser would turn into one (an open redirect); anything else goes home.
fn local_path(next: Option<&str>) -> String {
    next.and_then(same_origin_path)
        .unwrap_or_else(|| "/".into())
}

pub async fn switch(Path(code): Path<String>, Query(back): Query<Back>) -> Response {
    if !matches!(code.as_str(), "vi" | "en" | "zh") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let location = local_path(back.next.as_deref());
    match (
        HeaderValue::from_str(&location),
        HeaderValue::from_str(&language_cookie(&code)),
    ) {
        (Ok(location), Ok(cookie)) => (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, location), (header::SET_COOKIE, cookie)],
        )
            .into_response(),
        _ => StatusCode::BAD_REQUEST.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/fleet?search=12C")), "/fleet?search=12C");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(Some("/\t/evil.example/")), "/");
        assert_eq!(local_path(None), "/");
    }
}
