//! What lets the service worker (`public/sw.js`) keep pages for use offline per account
//! and never show one account's pages to another. Every page response names the
//! account it was rendered for by an opaque scope, an HMAC of the user id under a server
//! secret (neither the id nor anything personal; the same for each of the account's
//! sessions, so a driver signing in again keeps their copies), and says when its session
//! ends. The worker keeps pages per scope, drops every other scope's pages when a page
//! shows another account or none, and never serves a page whose session has ended.

use super::{AppState, sessions};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderValue, Method, header};
use sha2::Sha256;
use uuid::Uuid;

/// The account a page was rendered for: a scope, or [`ANONYMOUS`].
pub const SCOPE_HEADER: &str = "x-account-scope";
/// When the page's session ends (Unix seconds); absent for anonymous pages.
pub const EXPIRES_HEADER: &str = "x-session-expires";
pub const ANONYMOUS: &str = "anonymous";

/// The secret scopes are made with (`server_secrets`, shared by every process).
pub struct ScopeKey(Vec<u8>);

impl ScopeKey {
    pub fn new(secret: &[u8]) -> ScopeKey {
        ScopeKey(secret.to_vec())
    }

    /// The account's scope: 128 bits of HMAC-SHA256, hex.
    pub fn scope_of(&self, user_id: Uuid) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key");
        mac.update(b"account-scope:");
        mac.update(user_id.as_bytes());
        mac.finalize().into_bytes()[..16]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

/// The scope headers for a page requested with `headers`: whose it is, and until when.
/// `None` when that cannot be told now (the database failed): the worker then neither
/// keeps the page nor drops anything.
pub async fn page_headers(
    state: &AppState,
    headers: &HeaderMap,
) -> Option<Vec<(&'static str, HeaderValue)>> {
    let user = sessions::user_of_headers(state, headers).await.ok()?;
    let claimed = sessions::claimed_session_in(state, headers);
    Some(match (user, claimed) {
        (Some(user), Some(session)) => vec![
            (
                SCOPE_HEADER,
                HeaderValue::from_str(&state.offline_scope.scope_of(user.user_id)).ok()?,
            ),
            (EXPIRES_HEADER, HeaderValue::from(session.expires_at)),
        ],
        _ => vec![(SCOPE_HEADER, HeaderValue::from_static(ANONYMOUS))],
    })
}

/// Marks every HTML page response with its scope headers.
pub async fn mark_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let page = matches!(*request.method(), Method::GET | Method::HEAD);
    // Only what the session check reads.
    let cookies: Option<HeaderMap> = page.then(|| {
        request
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .map(|value| (header::COOKIE, value.clone()))
            .collect()
    });
    let mut response = next.run(request).await;
    let Some(cookies) = cookies else {
        return response;
    };
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|kind| kind.starts_with("text/html"));
    if html && let Some(marks) = page_headers(&state, &cookies).await {
        for (name, value) in marks {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_is_opaque_stable_per_account_and_per_secret() {
        let key = ScopeKey::new(b"0123456789abcdef0123456789abcdef");
        let (lan, minh) = (Uuid::new_v4(), Uuid::new_v4());
        let scope = key.scope_of(lan);
        assert_eq!(scope.len(), 32);
        assert!(scope.bytes().all(|byte| byte.is_ascii_hexdigit()));
        assert_eq!(
            key.scope_of(lan),
            scope,
            "the same for each session of the account"
        );
        assert_ne!(key.scope_of(minh), scope);
        assert!(
            !scope.contains(&lan.simple().to_string()[..8]),
            "not the id"
        );
        let other = ScopeKey::new(b"another secret another secret 32");
        assert_ne!(
            other.scope_of(lan),
            scope,
            "not computable without the secret"
        );
    }
}
