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
    cookie_in(&use_context::<Parts>()?.headers, name)
}

/// The value of one cookie in request headers (for handlers outside Leptos).
pub fn cookie_in(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

/// Whether the request is a plain HTML form post from a browser without the app's
/// WebAssembly (it asks for a page back), rather than a call from the hydrated app.
pub fn from_plain_form() -> bool {
    use_context::<Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    })
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

/// The nonce of a page's inline scripts, minted for each request by the server's
/// header layer (`server/src/headers.rs`), which also sends it in the page's
/// Content-Security-Policy; it travels in the request's extensions.
#[derive(Debug, Clone)]
pub struct PageNonce(pub String);

/// Gives the page being rendered the nonce minted for its request, so that its inline
/// scripts carry the one the policy names (call it in the render's context). The header
/// and the scripts then come from one value, whatever the render does with its response
/// options.
pub fn provide_page_nonce() {
    if let Some(nonce) =
        use_context::<Parts>().and_then(|parts| parts.extensions.get::<PageNonce>().cloned())
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

/// The Content-Security-Policy of a page: scripts of this site and the inline scripts
/// carrying `nonce`; WebAssembly may compile, nothing may frame the page or post it
/// elsewhere.
pub fn page_content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self'; connect-src 'self'; worker-src 'self'; \
         manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// After a successful form post, where the browser should go next (without JavaScript
/// the browser follows it; with JavaScript the router does). Only a path of this site
/// is ever sent (see [`same_origin_path`]); anything else goes home, logged.
pub fn redirect(path: &str) {
    match same_origin_path(path) {
        Some(path) => leptos_axum::redirect(&path),
        None => {
            tracing::warn!("refused a redirect to something not a path of this site");
            leptos_axum::redirect("/");
        }
    }
}

/// A redirect target taken from a request (`next=`, a form's field) as a path of this
/// site, or `None`. Browsers drop tabs and line breaks inside URLs and read `\` as `/`,
/// so `/\t/evil.example` or `/\\evil.example` would leave the site: any control
/// character, white space or backslash refuses the whole target, as does a second `/`
/// at the start (`//evil.example` is another host). Letters outside ASCII are
/// percent-encoded, so the result is always a valid `Location` header.
pub fn same_origin_path(target: &str) -> Option<String> {
    let mut bytes = target.bytes();
    if bytes.next() != Some(b'/') || matches!(bytes.next(), Some(b'/')) {
        return None;
    }
    if target
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    let mut path = String::with_capacity(target.len());
    for c in target.chars() {
        if c.is_ascii() {
            path.push(c);
        } else {
            let mut buffer = [0u8; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                path.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::same_origin_path;

    #[test]
    fn only_paths_of_this_site_are_redirect_targets() {
        assert_eq!(
            same_origin_path("/fleet?search=12C").as_deref(),
            Some("/fleet?search=12C")
        );
        assert_eq!(same_origin_path("/").as_deref(), Some("/"));
        for outside in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/\r\n/evil.example/",
            "/ /evil.example",
            "/\u{7f}/evil.example",
            "/\u{85}/evil.example",
            "\t//evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(same_origin_path(outside), None, "{outside:?}");
        }
    }

    #[test]
    fn letters_outside_ascii_are_percent_encoded() {
        assert_eq!(
            same_origin_path("/trips?q=Hữu").as_deref(),
            Some("/trips?q=H%E1%BB%AFu")
        );
    }
}
