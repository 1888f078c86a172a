//! Sign-in sessions: a signed JWT in an HttpOnly cookie, backed by a row in `sessions`.
//!
//! The token only names the session; the row decides whether it still counts, so signing
//! out (or an admin deactivating the account) ends it at once, wherever it was copied.
//! Every sign-in starts a new session with a new token.

use super::{AppState, request};
use crate::{domain::role::Role, error::AppError, models::SessionUser};
use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const SESSION_COOKIE: &str = "bgp_session";
/// Marks a device where an account signed in before (see `domain::throttle`).
pub const DEVICE_COOKIE: &str = "bgp_device";
const DEVICE_DAYS: i64 = 180;

const SESSION_AUDIENCE: &str = "session";
const DEVICE_AUDIENCE: &str = "device";

pub struct SessionKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The account.
    sub: Uuid,
    /// The session row (absent from device tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<Uuid>,
    aud: String,
    iat: i64,
    exp: i64,
}

impl SessionKeys {
    pub fn new(secret: &[u8]) -> SessionKeys {
        SessionKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    fn sign(&self, claims: &Claims) -> Result<String, AppError> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding).map_err(|error| {
            tracing::error!(%error, "signing a token failed");
            AppError::Internal
        })
    }

    /// The claims of a token that is well signed, unexpired and meant for `audience`.
    fn verify(&self, token: &str, audience: &str) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[audience]);
        validation.leeway = 0;
        decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// Starts a session for `user_id` and sets its cookie and the device cookie.
pub async fn start(state: &AppState, user_id: Uuid) -> Result<(), AppError> {
    let now = Utc::now();
    let expires = now + Duration::hours(state.settings.session_hours);
    let session_id: Uuid = sqlx::query_scalar(
        "insert into sessions (user_id, expires_at) values ($1, $2) returning id",
    )
    .bind(user_id)
    .bind(expires)
    .fetch_one(&state.pool)
    .await?;
    let token = state.session_keys.sign(&Claims {
        sub: user_id,
        sid: Some(session_id),
        aud: SESSION_AUDIENCE.into(),
        iat: now.timestamp(),
        exp: expires.timestamp(),
    })?;
    request::set_cookie(
        SESSION_COOKIE,
        &token,
        state.settings.session_hours * 3600,
        state.settings.secure_cookies,
    );

    let device = state.session_keys.sign(&Claims {
        sub: user_id,
        sid: None,
        aud: DEVICE_AUDIENCE.into(),
        iat: now.timestamp(),
        exp: (now + Duration::days(DEVICE_DAYS)).timestamp(),
    })?;
    request::set_cookie(
        DEVICE_COOKIE,
        &device,
        DEVICE_DAYS * 86_400,
        state.settings.secure_cookies,
    );
    Ok(())
}

/// Ends the request's session, if any, and clears its cookie.
pub async fn end(state: &AppState) -> Result<(), AppError> {
    if let Some(claims) = request::cookie(SESSION_COOKIE)
        .and_then(|token| state.session_keys.verify(&token, SESSION_AUDIENCE))
    {
        sqlx::query("update sessions set ended_at = now() where id = $1 and ended_at is null")
            .bind(claims.sid)
            .execute(&state.pool)
            .await?;
    }
    request::set_cookie(SESSION_COOKIE, "", 0, state.settings.secure_cookies);
    Ok(())
}

/// Whether this browser holds a device cookie from an earlier sign-in of `user_id`.
pub fn is_trusted_device(state: &AppState, user_id: Uuid) -> bool {
    request::cookie(DEVICE_COOKIE)
        .and_then(|token| state.session_keys.verify(&token, DEVICE_AUDIENCE))
        .is_some_and(|claims| claims.sub == user_id)
}

#[derive(sqlx::FromRow)]
struct UserRow {
    user_id: Uuid,
    full_name: String,
    role: String,
    agency: Option<String>,
    firm_id: Option<Uuid>,
    firm_name: Option<String>,
}

impl UserRow {
    fn into_user(self) -> Option<SessionUser> {
        let role = Role::from_columns(&self.role, self.agency.as_deref())?;
        Some(SessionUser {
            user_id: self.user_id,
            full_name: self.full_name,
            role,
            firm_id: self.firm_id,
            firm_name: self.firm_name,
        })
    }
}

/// The signed-in user of this request, or `None` for a missing, forged, expired or
/// ended session, or a deactivated account.
pub async fn current_user(state: &AppState) -> Result<Option<SessionUser>, AppError> {
    user_of_token(state, request::cookie(SESSION_COOKIE)).await
}

/// The account and session row a request's session cookie names, if it is well signed
/// and unexpired; whether the session is still open is for the caller's query to check
/// (the booking snapshot does, in the same statement).
pub fn claimed_session(state: &AppState) -> Option<(Uuid, Uuid)> {
    let claims = state
        .session_keys
        .verify(&request::cookie(SESSION_COOKIE)?, SESSION_AUDIENCE)?;
    Some((claims.sub, claims.sid?))
}

/// The account a request's session cookie names, if it is well signed and unexpired,
/// for the security log (whether the session is still open does not matter there).
pub fn claimed_account(state: &AppState, headers: &http::HeaderMap) -> Option<Uuid> {
    let token = request::cookie_in(headers, SESSION_COOKIE)?;
    Some(state.session_keys.verify(&token, SESSION_AUDIENCE)?.sub)
}

/// The signed-in user of a request handled outside Leptos (live streams).
pub async fn user_of_headers(
    state: &AppState,
    headers: &http::HeaderMap,
) -> Result<Option<SessionUser>, AppError> {
    user_of_token(state, request::cookie_in(headers, SESSION_COOKIE)).await
}

async fn user_of_token(
    state: &AppState,
    token: Option<String>,
) -> Result<Option<SessionUser>, AppError> {
    let Some(claims) = token.and_then(|token| state.session_keys.verify(&token, SESSION_AUDIENCE))
    else {
        return Ok(None);
    };
    let row: Option<UserRow> = sqlx::query_as(
        "select u.id as user_id, u.full_name, u.role, u.agency, u.firm_id, f.name as firm_name
         from sessions s
         join users u on u.id = s.user_id
         left join firms f on f.id = u.firm_id
         where s.id = $1 and s.user_id = $2 and s.ended_at is null and s.expires_at > now() and u.active",
    )
    .bind(claims.sid)
    .bind(claims.sub)
    .fetch_optional(&state.pool)
    .await?;
    Ok(row.and_then(UserRow::into_user))
}

/// An active account, as a session would show it.
pub async fn user_by_id(state: &AppState, user_id: Uuid) -> Result<Option<SessionUser>, AppError> {
    let row: Option<UserRow> = sqlx::query_as(
        "select u.id as user_id, u.full_name, u.role, u.agency, u.firm_id, f.name as firm_name
         from users u left join firms f on f.id = u.firm_id
         where u.id = $1 and u.active",
    )
    .bind(user_id)
    .fetch_optional(&state.pool)
    .await?;
    Ok(row.and_then(UserRow::into_user))
}

/// The signed-in user, or `NotSignedIn`.
pub async fn require_user(state: &AppState) -> Result<SessionUser, AppError> {
    current_user(state).await?.ok_or(AppError::NotSignedIn)
}

/// A signed-in member of a firm whose role passes `allowed`, with their firm's id.
pub async fn require_firm_member(
    state: &AppState,
    allowed: impl Fn(Role) -> bool,
) -> Result<(SessionUser, Uuid), AppError> {
    let user = require_user(state).await?;
    match user.firm_id {
        Some(firm_id) if user.role.belongs_to_firm() && allowed(user.role) => Ok((user, firm_id)),
        _ => Err(AppError::Forbidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(audience: &str, expires_in: i64) -> Claims {
        let now = Utc::now().timestamp();
        Claims {
            sub: Uuid::new_v4(),
            sid: Some(Uuid::new_v4()),
            aud: audience.into(),
            iat: now,
            exp: now + expires_in,
        }
    }

    #[test]
    fn a_token_verifies_only_with_its_key_audience_and_time() {
        let keys = SessionKeys::new(b"0123456789abcdef0123456789abcdef");
        let token = keys.sign(&claims(SESSION_AUDIENCE, 60)).unwrap();
        assert!(keys.verify(&token, SESSION_AUDIENCE).is_some());
        assert!(
            keys.verify(&token, DEVICE_AUDIENCE).is_none(),
            "a session token is not a device token"
        );

        let other_keys = SessionKeys::new(b"another secret another secret 32");
        assert!(
            other_keys.verify(&token, SESSION_AUDIENCE).is_none(),
            "forged with another key"
        );

        let expired = keys.sign(&claims(SESSION_AUDIENCE, -1)).unwrap();
        assert!(keys.verify(&expired, SESSION_AUDIENCE).is_none());

        // Flip the first character of the signature (the last characters carry padding bits).
        let signature_start = token.rfind('.').unwrap() + 1;
        let mut tampered = token.clone();
        let first = if &token[signature_start..signature_start + 1] == "A" {
            "B"
        } else {
            "A"
        };
        tampered.replace_range(signature_start..signature_start + 1, first);
        assert!(keys.verify(&tampered, SESSION_AUDIENCE).is_none());
    }
}
