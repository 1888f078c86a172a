//! Guards around every request, and where their refusals are recorded in the security
//! log: cross-site requests here, and every 403 at the error-status edge, whatever
//! refused it (a server function, a page, a live stream), once.

use app::{
    domain::security::EventKind,
    error::AppError,
    server::{AppState, security_events, sessions},
};
use axum::{
    body::{Body, to_bytes},
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};
use std::net::{IpAddr, SocketAddr};

/// Who sent a request and what it asked, kept for the security log until its answer.
/// Only copies are kept (cheap, on every request); the session cookie is read only
/// when something is recorded.
struct Caller {
    cookies: HeaderMap,
    address: Option<IpAddr>,
    method: Method,
    uri: http::Uri,
}

impl Caller {
    fn of(request: &Request) -> Caller {
        let mut cookies = HeaderMap::new();
        for cookie in request.headers().get_all(header::COOKIE) {
            cookies.append(header::COOKIE, cookie.clone());
        }
        Caller {
            cookies,
            address: request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip()),
            method: request.method().clone(),
            uri: request.uri().clone(),
        }
    }

    fn record(&self, state: &AppState, kind: EventKind) {
        // Method and path, never the query (it may carry personal data).
        let request = format!("{} {}", self.method, self.uri.path());
        let account = sessions::claimed_account(state, &self.cookies);
        security_events::record(state, kind, account, self.address, &request);
    }
}

/// Refuses state-changing requests that a browser sent on behalf of another site, so a
/// page elsewhere cannot post a form into a signed-in user's session. Browsers say where
/// a request comes from in `Sec-Fetch-Site` (or, older ones, `Origin`); programs that
/// send neither carry no browser cookies and are let through.
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && is_cross_site(request.headers()) {
        Caller::of(&request).record(&state, EventKind::CrossSite);
        return app_error_response(&AppError::CrossSite);
    }
    next.run(request).await
}

fn is_cross_site(headers: &HeaderMap) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|value: &HeaderValue| value.to_str().ok())
    };
    if let Some(site) = text("sec-fetch-site") {
        return !matches!(site, "same-origin" | "none");
    }
    match (text("origin"), text("host")) {
        (Some(origin), Some(host)) => {
            origin.split_once("://").map(|(_, authority)| authority) != Some(host)
        }
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Server functions answer every error with 500; this gives each its real status from
/// [`AppError::status`], so bad input is a 4xx and only our own failures are 5xx. A
/// throttled request's 429 and an unavailable database's 503 say when to come back
/// (`Retry-After`). Every authorization refusal is recorded: a 403 answer (a server
/// function's, a page's, a stream's), or a plain form's `Forbidden` that comes back as a
/// redirect.
pub async fn app_error_status(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let caller = Caller::of(&request);
    let response = next.run(request).await;
    if !response.headers().contains_key(SERVER_FN_ERROR_HEADER) {
        if response.status() == StatusCode::FORBIDDEN {
            caller.record(&state, EventKind::Forbidden);
        }
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, 1024 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let error = AppError::de(bytes.clone());
    if parts.status == StatusCode::INTERNAL_SERVER_ERROR {
        parts.status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    if matches!(error, AppError::Forbidden) {
        caller.record(&state, EventKind::Forbidden);
    }
    if let Some(seconds) = error.retry_after_seconds()
        && matches!(
            parts.status,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        )
    {
        parts
            .headers
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A request whose handling panicked: logged, answered 500 in the usual error shape
/// instead of a dropped connection. Every panic is a bug to fix; this is the last line.
pub fn panicked(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request panicked");
    app_error_response(&AppError::Internal)
}

/// An error in the same shape server functions use, for refusals made before one runs.
pub fn app_error_response(error: &AppError) -> Response {
    error.clone().into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    header::HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(!is_cross_site(&headers(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://evil.example")
        ])));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "none")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(
            is_cross_site(&headers(&[("sec-fetch-site", "same-site")])),
            "a sibling subdomain is another site too"
        );
    }

    #[test]
    fn origin_must_match_host_otherwise() {
        assert!(!is_cross_site(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "null"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(
            !is_cross_site(&headers(&[("host", "127.0.0.1:3000")])),
            "programs without browser headers pass"
        );
    }
}
