//! What a refused plain form typed, kept on the server for the page that shows it again.
//!
//! Without JavaScript a form posts to its server function, which answers a refusal by
//! redirecting back with the error in the URL (`__err`). The problems are codes; what was
//! typed (names, ID numbers, phones) must not ride along into browser history, server
//! logs or a `Referer`. The server's edge (`server/src/flash.rs`) takes the typed values
//! out of the redirect, keeps them here under a random token held in a short-lived
//! HttpOnly cookie, and puts them back into the request of the page that shows the form
//! again, where [`typed_for`] finds them.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

/// The cookie holding the token of the browser's pending flash.
pub const FLASH_COOKIE: &str = "bgp_form";
/// How long a flash waits for its page.
pub const FLASH_SECONDS: i64 = 600;

/// The typed values of a refused form, for the page rendered by this request (a request
/// extension, set by the server's edge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormFlash {
    /// The server function that refused (`/api/add_person`).
    pub function_path: String,
    pub typed: Vec<(String, String)>,
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Keeps a refused form's typed values and returns the token for the browser's cookie.
pub async fn keep(pool: &PgPool, flash: &FormFlash) -> Result<String, sqlx::Error> {
    let mut secret = [0u8; 24];
    rand::rng().fill_bytes(&mut secret);
    let token = URL_SAFE_NO_PAD.encode(secret);
    let typed = serde_json::to_value(&flash.typed).unwrap_or_default();
    sqlx::query("insert into form_flashes (token_hash, function_path, typed) values ($1, $2, $3)")
        .bind(digest(&token))
        .bind(&flash.function_path)
        .bind(typed)
        .execute(pool)
        .await?;
    Ok(token)
}

/// Takes (and deletes) the flash a cookie's token names, if it has not expired; old
/// flashes nobody came back for go at the same time.
pub async fn take(pool: &PgPool, token: &str) -> Result<Option<FormFlash>, sqlx::Error> {
    let row: Option<(String, serde_json::Value, bool)> = sqlx::query_as(
        "with taken as (
           delete from form_flashes where token_hash = $1
           returning function_path, typed, created_at > now() - make_interval(secs => $2))
         , expired as (
           delete from form_flashes where created_at < now() - make_interval(secs => $2))
         select * from taken",
    )
    .bind(digest(token))
    .bind(FLASH_SECONDS as f64)
    .fetch_optional(pool)
    .await?;
    Ok(row
        .filter(|(_, _, fresh)| *fresh)
        .map(|(function_path, typed, _)| FormFlash {
            function_path,
            typed: serde_json::from_value(typed).unwrap_or_default(),
        }))
}

/// What was typed into the refused form of server function `path`, if this page's
/// request brought it back.
pub fn typed_for(path: &str) -> Option<Vec<(String, String)>> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    let flash = parts.extensions.get::<FormFlash>()?;
    (flash.function_path == path).then(|| flash.typed.clone())
}
