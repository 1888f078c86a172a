//! Sign-in sessions: a signed JWT in an HttpOnly cookie, backed by a row in `sessions`.
//!
//! The token only names the session; the row decides whether it still counts, so signing
//! out (or an admin deactivating the account) ends it at once, wherever it was copied.
//! Whether a row counts is one SQL expression, `session_signed_in` (see the migration
//! `20261201000002`): not ended, not expired, not left unused past its idle limit, and
//! not waiting for a second factor. Every sign-in starts a new session with a new token,
//! and ends the one the browser held before.

use super::{AppState, request};
use crate::{
    domain::{
        role::Role,
        session::{SignInStage, device_summary},
    },
    error::AppError,
    models::{SessionUser, account::SessionInfo},
};
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use leptos::prelude::use_context;
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

/// Signs `user_id` in once their password (or reset code) was right: starts a session
/// at the stage their account needs next (complete, or waiting for the second factor or
/// for setting one up). Returns the account and that stage.
pub async fn sign_in(
    state: &AppState,
    user_id: Uuid,
) -> Result<(SessionUser, SignInStage), AppError> {
    let user = user_by_id(state, user_id)
        .await?
        .ok_or(AppError::Internal)?;
    let has_second_factor = super::second_factor::is_set_up(state, user_id).await?;
    let stage = SignInStage::after_password(user.role, has_second_factor);
    start(state, &user, stage).await?;
    Ok((user, stage))
}

/// Starts a session for `user` at `stage` and sets its cookie, after ending the session
/// this browser held before (whoever's it was). Only a complete sign-in lasts the whole
/// `SESSION_HOURS` and marks the browser as a trusted device; a pending one lasts
/// [`SignInStage::PENDING_MINUTES`].
pub async fn start(
    state: &AppState,
    user: &SessionUser,
    stage: SignInStage,
) -> Result<(), AppError> {
    end_this_browsers(state).await?;
    // The push subscriptions other accounts made in this browser go: the phone changed
    // hands.
    super::push::forget_other_users_of_this_browser(state, user.user_id).await?;
    let now = Utc::now();
    let lasts = match stage {
        SignInStage::Complete => Duration::hours(state.settings.session_hours),
        _ => Duration::minutes(SignInStage::PENDING_MINUTES),
    };
    let expires = now + lasts;
    let device = user_agent().as_deref().and_then(device_summary);
    let session_id: Uuid = sqlx::query_scalar(
        "insert into sessions (user_id, expires_at, idle_minutes, device, awaiting)
         values ($1, $2, $3, $4, $5) returning id",
    )
    .bind(user.user_id)
    .bind(expires)
    .bind(state.settings.idle.minutes_for(user.role) as i32)
    .bind(device)
    .bind(stage.awaiting())
    .fetch_one(&state.pool)
    .await?;
    let token = state.session_keys.sign(&Claims {
        sub: user.user_id,
        sid: Some(session_id),
        aud: SESSION_AUDIENCE.into(),
        iat: now.timestamp(),
        exp: expires.timestamp(),
    })?;
    request::set_cookie(
        SESSION_COOKIE,
        &token,
        lasts.num_seconds(),
        state.settings.secure_cookies,
    );
    if stage == SignInStage::Complete {
        trust_this_device(state, user.user_id)?;
    }
    Ok(())
}

fn user_agent() -> Option<String> {
    use_context::<http::request::Parts>()?
        .headers
        .get(http::header::USER_AGENT)?
        .to_str()
        .ok()
        .map(str::to_string)
}

/// Ends the session the request's cookie names, if any (signing in again on the same
/// browser must not leave the previous session open behind it).
async fn end_this_browsers(state: &AppState) -> Result<(), AppError> {
    if let Some((user_id, session_id)) = claimed_session(state) {
        sqlx::query(
            "update sessions set ended_at = now() where id = $1 and user_id = $2 and ended_at is null",
        )
        .bind(session_id)
        .bind(user_id)
        .execute(&state.pool)
        .await?;
    }
    Ok(())
}

/// Marks this browser as one where `user_id` signed in (see `rate_limit`).
fn trust_this_device(state: &AppState, user_id: Uuid) -> Result<(), AppError> {
    let now = Utc::now();
    let token = state.session_keys.sign(&Claims {
        sub: user_id,
        sid: None,
        aud: DEVICE_AUDIENCE.into(),
        iat: now.timestamp(),
        exp: (now + Duration::days(DEVICE_DAYS)).timestamp(),
    })?;
    request::set_cookie(
        DEVICE_COOKIE,
        &token,
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

/// The session a request handled outside Leptos names, as its cookie claims it (well
/// signed, unexpired); whether it is still open is for [`user_of_headers`] to say.
pub fn claimed_session_in(state: &AppState, headers: &http::HeaderMap) -> Option<ClaimedSession> {
    let claims = state.session_keys.verify(
        &request::cookie_in(headers, SESSION_COOKIE)?,
        SESSION_AUDIENCE,
    )?;
    Some(ClaimedSession {
        user_id: claims.sub,
        session_id: claims.sid?,
        expires_at: claims.exp,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimedSession {
    pub user_id: Uuid,
    pub session_id: Uuid,
    /// Unix seconds.
    pub expires_at: i64,
}

async fn user_of_token(
    state: &AppState,
    token: Option<String>,
) -> Result<Option<SessionUser>, AppError> {
    let Some(claims) = token.and_then(|token| state.session_keys.verify(&token, SESSION_AUDIENCE))
    else {
        return Ok(None);
    };
    // One statement: the check, and (at most about once a minute) the note that the
    // session was used, which keeps it from ending as idle.
    let row: Option<UserRow> = sqlx::query_as(
        "with touched as (
           update sessions s set last_seen_at = now()
            where s.id = $1 and s.user_id = $2 and session_signed_in(s)
              and s.last_seen_at < now() - interval '1 minute'
           returning s.id
         )
         select u.id as user_id, u.full_name, u.role, u.agency, u.firm_id, f.name as firm_name
         from sessions s
         join users u on u.id = s.user_id
         left join firms f on f.id = u.firm_id
         where s.id = $1 and s.user_id = $2 and session_signed_in(s) and u.active",
    )
    .bind(claims.sid)
    .bind(claims.sub)
    .fetch_optional(&state.pool)
    .await?;
    Ok(row.and_then(UserRow::into_user))
}

/// A sign-in half-way: the password was right, the session waits for `stage`.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    pub user: SessionUser,
    pub session_id: Uuid,
    pub stage: SignInStage,
}

/// The request's session when it is open but its sign-in is not complete (it counts as
/// signed in nowhere but on the pages that complete it).
pub async fn pending_sign_in(state: &AppState) -> Result<Option<PendingSignIn>, AppError> {
    let Some((user_id, session_id)) = claimed_session(state) else {
        return Ok(None);
    };
    let awaiting: Option<Option<String>> = sqlx::query_scalar(
        "select s.awaiting from sessions s join users u on u.id = s.user_id
          where s.id = $1 and s.user_id = $2 and session_open(s) and s.awaiting is not null and u.active",
    )
    .bind(session_id)
    .bind(user_id)
    .fetch_optional(&state.pool)
    .await?;
    let Some(stage) = awaiting.and_then(|awaiting| SignInStage::from_awaiting(awaiting.as_deref()))
    else {
        return Ok(None);
    };
    Ok(user_by_id(state, user_id).await?.map(|user| PendingSignIn {
        user,
        session_id,
        stage,
    }))
}

/// The sessions of `user_id` still open, newest use first, the current one marked.
pub async fn list(
    state: &AppState,
    user_id: Uuid,
    current: Uuid,
) -> Result<Vec<SessionInfo>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: Uuid,
        created_at: DateTime<Utc>,
        last_seen_at: DateTime<Utc>,
        device: Option<String>,
        pending: bool,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "select id, created_at, last_seen_at, device, awaiting is not null as pending
           from sessions s
          where user_id = $1 and session_open(s)
          order by last_seen_at desc, created_at desc
          limit 100",
    )
    .bind(user_id)
    .fetch_all(&state.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| SessionInfo {
            id: row.id,
            started_at: row.created_at.timestamp(),
            last_seen_at: row.last_seen_at.timestamp(),
            device: row.device,
            current: row.id == current,
            pending: row.pending,
        })
        .collect())
}

/// Ends one session of `user_id`; false when they have no such open session.
pub async fn end_one(state: &AppState, user_id: Uuid, session_id: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query(
        "update sessions set ended_at = now() where id = $1 and user_id = $2 and ended_at is null",
    )
    .bind(session_id)
    .bind(user_id)
    .execute(&state.pool)
    .await?
    .rows_affected()
        > 0)
}

/// Ends every session of `user_id` but `keep` (signing out everywhere else); how many.
pub async fn end_others(
    executor: impl sqlx::PgExecutor<'_>,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> Result<u64, AppError> {
    Ok(sqlx::query(
        "update sessions set ended_at = now()
          where user_id = $1 and ended_at is null and id is distinct from $2",
    )
    .bind(user_id)
    .bind(keep)
    .execute(executor)
    .await?
    .rows_affected())
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
