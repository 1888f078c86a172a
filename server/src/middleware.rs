//! Guards around every request.

use app::error::AppError;
use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};

/// Refuses state-changing requests that a browser sent on behalf of another site, so a
/// page elsewhere cannot post a form into a signed-in user's session. Browsers say where
/// a request comes from in `Sec-Fetch-Site` (or, older ones, `Origin`); programs that
/// send neither carry no browser cookies and are let through.
pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && is_cross_site(request.headers()) {
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
/// [`AppError::status`], so bad input is a 4xx and only our own failures are 5xx, and
/// `Retry-After` when waiting is the remedy (throttled, database unavailable).
pub async fn app_error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, 1024 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let error = AppError::de(bytes.clone());
    parts.status =
        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(seconds) = error.retry_after_seconds() {
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
