use super::{
    board::BoardCache, bookings::BookingDb, live::Live, passes::PassKeys, passwords::Passwords,
    security_events::SecurityLog, sessions::SessionKeys, throttle::Throttle,
};
use crate::{domain::throttle::ThrottleSettings, error::AppError};
use axum::extract::FromRef;
use leptos::prelude::*;
use sqlx::PgPool;
use std::sync::Arc;

/// Settings read once at start-up (see `server/src/config.rs` for where they come from).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark cookies `Secure`: on everywhere but plain-HTTP local development.
    pub secure_cookies: bool,
    /// How long a sign-in lasts.
    pub session_hours: i64,
    /// Who push services can contact about our messages (RFC 8292 `sub`: a `mailto:`
    /// or `https:` address of the gate's operator).
    pub push_contact: String,
    /// Registration and booking limits.
    pub throttles: ThrottleSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secure_cookies: true,
            session_hours: 12,
            push_contact: "mailto:push@border-gate.example".into(),
            throttles: ThrottleSettings::default(),
        }
    }
}

/// Everything a request handler or server function needs, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub leptos_options: LeptosOptions,
    pub settings: Arc<Settings>,
    pub session_keys: Arc<SessionKeys>,
    pub passwords: Arc<Passwords>,
    /// Counters shared by every server process (sign-in, registration, bookings).
    pub throttle: Arc<Throttle>,
    pub security_log: Arc<SecurityLog>,
    pub pass_keys: Arc<PassKeys>,
    pub board_cache: Arc<BoardCache>,
    pub live: Arc<Live>,
    /// The booking path's own connections (see `bookings::lanes`).
    pub bookings: Arc<BookingDb>,
}

impl AppState {
    /// Loads (or creates, on the very first start) the signing secret from the database,
    /// so that every server process behind one database signs and accepts the same tokens.
    pub async fn new(
        pool: PgPool,
        leptos_options: LeptosOptions,
        settings: Settings,
    ) -> Result<AppState, sqlx::Error> {
        let secret = super::database::server_secret(&pool, "session").await?;
        let pass_seed = super::database::server_secret(&pool, "gate_pass").await?;
        let throttle_key = super::database::server_secret(&pool, "throttle").await?;
        Ok(AppState {
            leptos_options,
            settings: Arc::new(settings),
            session_keys: Arc::new(SessionKeys::new(&secret)),
            passwords: Arc::new(Passwords::new()),
            throttle: Arc::new(Throttle::start(&pool, &throttle_key)),
            security_log: SecurityLog::start(&pool),
            pass_keys: Arc::new(PassKeys::new(&pass_seed)),
            board_cache: Arc::new(BoardCache::default()),
            live: Arc::new(Live::default()),
            bookings: Arc::new(BookingDb::start(&pool)),
            pool,
        })
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state, as provided to every server function and page render.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the context");
        AppError::Internal
    })
}
