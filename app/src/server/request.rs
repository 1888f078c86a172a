//! Reading the current request and shaping the response from inside a server function.

use crate::error::AppError;
use axum::extract::ConnectInfo;
use http::{HeaderValue, header, request::Parts};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| {
        tracing::error!("request parts missing from the context");
        AppError::Internal
    })
}

/// The value of one cookie of the request.
pub fn cookie(name: &str) -> Option<String> {
    let parts = use_context::<Parts>()?;
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

/// The address of the client that opened the connection.
pub fn client_address() -> IpAddr {
    parts()
        .ok()
        .and_then(|parts| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip())
        })
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Adds a `Set-Cookie` to the response: HttpOnly, SameSite=Lax, whole site; `Secure`
/// unless the portal runs on plain HTTP for local development.
pub fn set_cookie(name: &str, value: &str, max_age_seconds: i64, secure: bool) {
    let secure = if secure { "; Secure" } else { "" };
    let line = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}"
    );
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&line),
    ) {
        response.append_header(header::SET_COOKIE, value);
    }
}

/// After a successful form post, where the browser should go next (without JavaScript
/// the browser follows it; with JavaScript the router does).
pub fn redirect(path: &str) {
    leptos_axum::redirect(path);
}
