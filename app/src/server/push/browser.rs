//! Which browser a subscription came from, so that a shared phone forgets its last
//! user: a random id in an HttpOnly cookie, stored only as its sha-256 beside that
//! browser's subscriptions. Signing out removes the browser's subscriptions; another
//! account signing in there removes those of the accounts before it.

use crate::{
    error::AppError,
    server::{AppState, request},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const BROWSER_COOKIE: &str = "bgp_browser";
/// As long as browsers keep a cookie at all (Chromium caps them at 400 days).
const BROWSER_DAYS: i64 = 400;

/// This request's browser id, if its cookie holds one of ours.
fn cookie_id() -> Option<[u8; 32]> {
    let bytes = URL_SAFE_NO_PAD
        .decode(request::cookie(BROWSER_COOKIE)?.trim())
        .ok()?;
    bytes.try_into().ok()
}

fn hash(id: &[u8; 32]) -> Vec<u8> {
    Sha256::digest(id).to_vec()
}

/// The hash of this browser's id; a browser without one gets one (its cookie goes out
/// with this response).
pub(super) fn this_browser(state: &AppState) -> Vec<u8> {
    let id = cookie_id().unwrap_or_else(|| {
        let mut id = [0u8; 32];
        rand::rng().fill_bytes(&mut id);
        request::set_cookie(
            BROWSER_COOKIE,
            &URL_SAFE_NO_PAD.encode(id),
            BROWSER_DAYS * 86_400,
            state.settings.secure_cookies,
        );
        id
    });
    hash(&id)
}

/// Removes every subscription this browser made, whoever's (signing out).
pub async fn forget_this_browser(state: &AppState) -> Result<u64, AppError> {
    let Some(id) = cookie_id() else {
        return Ok(0);
    };
    Ok(
        sqlx::query("delete from push_subscriptions where browser_hash = $1")
            .bind(hash(&id))
            .execute(&state.pool)
            .await?
            .rows_affected(),
    )
}

/// Removes the subscriptions other accounts made in this browser (`user_id` signs in
/// there: the phone changed hands).
pub async fn forget_other_users_of_this_browser(
    state: &AppState,
    user_id: Uuid,
) -> Result<u64, AppError> {
    let Some(id) = cookie_id() else {
        return Ok(0);
    };
    Ok(
        sqlx::query("delete from push_subscriptions where browser_hash = $1 and user_id <> $2")
            .bind(hash(&id))
            .bind(user_id)
            .execute(&state.pool)
            .await?
            .rows_affected(),
    )
}
