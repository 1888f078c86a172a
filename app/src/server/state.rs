use super::{
    account_keys::AccountKeys, board::BoardCache, bookings::BookingDb, live::Live,
    offline::ScopeKey, passes::PassKeys, passwords::Passwords, security_events::SecurityLog,
    sessions::SessionKeys, throttle::Throttle,
};
use crate::{
    domain::{session::IdleTimeout, throttle::ThrottleSettings},
    error::AppError,
};
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
    /// How long a session may stay unused, for firm staff and for officers and admins.
    pub idle: IdleTimeout,
    /// How long a password reset code works after it is issued.
    pub reset_code_minutes: i64,
    /// Who push services can contact about our messages (RFC 8292 `sub`: a `mailto:`
    /// or `https:` address of the gate's operator).
    pub push_contact: String,
    /// Where push messages may go (`PUSH_ALLOWED_HOSTS`, `PUSH_TEST_ORIGINS`).
    pub push_policy: crate::domain::push::PushPolicy,
    /// How often an open live stream checks that its session still counts
    /// (`LIVE_RECHECK_SECONDS`); it also checks before passing on each event.
    pub live_recheck: std::time::Duration,
    /// Open live streams allowed per session and per process.
    pub live_streams: super::live::StreamLimits,
    /// The Bearer token `/metrics` asks for (`METRICS_TOKEN`); none: not served (404).
    pub metrics_token: Option<String>,
    /// Registration and booking limits.
    pub throttles: ThrottleSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secure_cookies: true,
            session_hours: 12,
            idle: IdleTimeout::default(),
            reset_code_minutes: 30,
            push_contact: "mailto:push@border-gate.example".into(),
            push_policy: Default::default(),
            live_recheck: std::time::Duration::from_secs(5),
            live_streams: Default::default(),
            metrics_token: None,
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
    /// Digests of reset and recovery codes, sealing of authenticator secrets.
    pub account_keys: Arc<AccountKeys>,
    pub board_cache: Arc<BoardCache>,
    pub live: Arc<Live>,
    /// The booking path's own connections (see `bookings::lanes`).
    pub bookings: Arc<BookingDb>,
    /// Names the account a page belongs to, for the service worker (see `offline`).
    pub offline_scope: Arc<ScopeKey>,
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
        let live = Live::new(settings.live_streams);
        let scope_secret = super::database::server_secret(&pool, "account_scope").await?;
        let codes_key = super::database::server_secret(&pool, "account_codes").await?;
        let second_factor_key = super::database::server_secret(&pool, "second_factor").await?;
        let throttle_key = super::database::server_secret(&pool, "throttle").await?;
        Ok(AppState {
            leptos_options,
            settings: Arc::new(settings),
            session_keys: Arc::new(SessionKeys::new(&secret)),
            passwords: Arc::new(Passwords::new()),
            throttle: Arc::new(Throttle::start(&pool, &throttle_key)),
            security_log: SecurityLog::start(&pool),
            pass_keys: Arc::new(PassKeys::new(&pass_seed)),
            account_keys: Arc::new(AccountKeys::new(&codes_key, &second_factor_key)),
            board_cache: Arc::new(BoardCache::default()),
            live: Arc::new(live),
            bookings: Arc::new(BookingDb::start(&pool)),
            offline_scope: Arc::new(ScopeKey::new(&scope_secret)),
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
