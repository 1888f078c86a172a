//! The security headers every response carries, and how long a browser may keep it.
//!
//! Every GET gets a fresh nonce, minted here and handed to the render through the
//! request's extensions: a page's inline scripts carry it and its Content-Security-Policy,
//! set here from the same value, names it (one source, so they always agree). Any other
//! HTML gets a policy without inline script at all. Nothing of the portal may be framed (the console and the gate admin's
//! pages would be clickjacking targets). Pages rendered for a signed-in browser hold
//! personal data (ID numbers, gate passes, trips): they are never stored by a browser or
//! proxy cache (`no-store`); the service worker's own offline copies are its choice.

use app::server::{AppState, sessions::SESSION_COOKIE};
use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, header},
    middleware::Next,
    response::Response,
};

/// The policy for HTML answered to anything but a GET: same-origin everything, no
/// inline script, WebAssembly allowed to compile.
pub const DEFAULT_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The camera (pass scanner) and the position (coming: trips on the road) for the
/// portal's own pages only; nothing else.
const PERMISSIONS_POLICY: &str = "camera=(self), geolocation=(self), microphone=(), payment=(), usb=(), serial=(), bluetooth=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=()";

/// HSTS for two years, once the portal is served over HTTPS (cookies `Secure`).
const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000; includeSubDomains";

pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    // Every page gets a nonce of its own, minted here: the page's inline scripts carry
    // it (`request::provide_page_nonce`) and its policy names it.
    let nonce = matches!(*request.method(), Method::GET | Method::HEAD)
        .then(|| leptos::nonce::Nonce::new().to_string());
    let mut request = request;
    if let Some(nonce) = &nonce {
        request
            .extensions_mut()
            .insert(app::server::request::PageNonce(nonce.clone()));
    }
    let signed_in = app::server::request::cookie_in(request.headers(), SESSION_COOKIE)
        .is_some_and(|token| !token.is_empty());
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let headers = response.headers_mut();
    set_default(
        headers,
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    set_default(
        headers,
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("DENY"),
    );
    // Same-origin requests keep their Referer (a plain form post is sent back to the
    // page it came from); no other site ever learns a path of ours.
    set_default(
        headers,
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    set_default(
        headers,
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
    set_default(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if state.settings.secure_cookies {
        set_default(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    if is_html {
        let policy = nonce
            .map(|nonce| app::server::request::page_content_security_policy(&nonce))
            .and_then(|policy| HeaderValue::from_str(&policy).ok())
            .unwrap_or(HeaderValue::from_static(DEFAULT_CONTENT_SECURITY_POLICY));
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    let private = (signed_in && is_html)
        || path.starts_with("/api/")
        || path.starts_with("/live/")
        || path.starts_with("/devices/");
    // An answer that chose its own lifetime keeps it (the public board's data says
    // `public, max-age=5`).
    if private {
        set_default(
            headers,
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store, private"),
        );
    } else if is_html {
        // Public pages change with every booking: always asked again.
        set_default(
            headers,
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        );
    }
    response
}

fn set_default(headers: &mut HeaderMap, name: HeaderName, value: HeaderValue) {
    headers.entry(name).or_insert(value);
}
