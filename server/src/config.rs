//! Configuration from the environment, with defaults for local development.

use app::{
    domain::{
        push::{DEFAULT_PUSH_HOSTS, PushPolicy},
        session::IdleTimeout,
        throttle::{Limit, ThrottleSettings},
    },
    server::{Settings, live::StreamLimits},
};
use leptos::prelude::LeptosOptions;
use std::{net::SocketAddr, time::Duration};

pub struct Config {
    pub database_url: String,
    pub pool_size: u32,
    /// How long a request waits for a database connection before it is told the
    /// database is unavailable (503).
    pub pool_acquire_timeout: Duration,
    pub leptos_options: LeptosOptions,
    pub settings: Settings,
    pub demo_data: bool,
}

fn variable(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

fn number(name: &str) -> Option<u64> {
    variable(name).and_then(|value| value.trim().parse().ok())
}

/// A positive number of minutes, at most a week; anything else is not a setting.
fn minutes(name: &str) -> Option<i64> {
    variable(name)
        .and_then(|value| value.trim().parse().ok())
        .filter(|minutes| (1..=IdleTimeout::MAX_MINUTES).contains(minutes))
}

fn flag(name: &str) -> Option<bool> {
    variable(name).map(|value| matches!(value.trim(), "1" | "true" | "yes" | "on"))
}

impl Config {
    /// `DATABASE_URL` (required); `LEPTOS_SITE_ADDR`, `LEPTOS_SITE_ROOT`,
    /// `LEPTOS_SITE_PKG_DIR`, `LEPTOS_OUTPUT_NAME` as cargo-leptos sets them;
    /// `DATABASE_POOL_SIZE`, `DATABASE_ACQUIRE_TIMEOUT_SECONDS`; `METRICS_TOKEN`;
    /// `SECURE_COOKIES` (default: on unless serving on loopback);
    /// `SESSION_HOURS`; `IDLE_MINUTES_FIRM`, `IDLE_MINUTES_STAFF`; `RESET_CODE_MINUTES`;
    /// `PUSH_CONTACT`; `PUSH_ALLOWED_HOSTS` (default: the real push services) and
    /// `PUSH_TEST_ORIGINS` (default: none); `LIVE_RECHECK_SECONDS`,
    /// `LIVE_STREAMS_PER_SESSION`, `LIVE_STREAMS_PER_PROCESS`; `DEMO_DATA` to load the
    /// demo firms and officers; the limits `REGISTRATIONS_PER_HOUR` (per client address)
    /// and `BOOKING_CHANGES_PER_FIRM` / `BOOKING_CHANGES_PER_ADDRESS` per
    /// `BOOKING_CHANGES_MINUTES`.
    pub fn from_env() -> Result<Config, String> {
        let database_url = variable("DATABASE_URL").ok_or("DATABASE_URL is not set")?;
        let site_addr: SocketAddr = variable("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|error| format!("LEPTOS_SITE_ADDR: {error}"))?;
        let leptos_options = LeptosOptions::builder()
            .output_name(variable("LEPTOS_OUTPUT_NAME").unwrap_or_else(|| "border-gate".into()))
            .site_root(variable("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()))
            .site_pkg_dir(variable("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".into()))
            .site_addr(site_addr)
            .build();
        let cores = std::thread::available_parallelism().map_or(2, |cores| cores.get() as u32);
        Ok(Config {
            database_url,
            // A few connections per core: more only lengthen Postgres's queue.
            pool_size: variable("DATABASE_POOL_SIZE")
                .and_then(|size| size.parse().ok())
                .unwrap_or(cores * 4),
            pool_acquire_timeout: number("DATABASE_ACQUIRE_TIMEOUT_SECONDS")
                .filter(|seconds| *seconds > 0)
                .map_or(Duration::from_secs(3), Duration::from_secs),
            leptos_options,
            settings: Settings {
                secure_cookies: flag("SECURE_COOKIES").unwrap_or(!site_addr.ip().is_loopback()),
                session_hours: variable("SESSION_HOURS")
                    .and_then(|hours| hours.parse().ok())
                    .unwrap_or(12),
                idle: IdleTimeout {
                    firm_minutes: minutes("IDLE_MINUTES_FIRM")
                        .unwrap_or(IdleTimeout::default().firm_minutes),
                    staff_minutes: minutes("IDLE_MINUTES_STAFF")
                        .unwrap_or(IdleTimeout::default().staff_minutes),
                },
                reset_code_minutes: minutes("RESET_CODE_MINUTES")
                    .unwrap_or(Settings::default().reset_code_minutes),
                push_contact: variable("PUSH_CONTACT")
                    .unwrap_or_else(|| Settings::default().push_contact),
                push_policy: PushPolicy::new(
                    &variable("PUSH_ALLOWED_HOSTS").unwrap_or_else(|| DEFAULT_PUSH_HOSTS.into()),
                    &variable("PUSH_TEST_ORIGINS").unwrap_or_default(),
                )
                .map_err(|error| format!("PUSH_ALLOWED_HOSTS / PUSH_TEST_ORIGINS: {error}"))?,
                live_recheck: number("LIVE_RECHECK_SECONDS")
                    .filter(|seconds| *seconds > 0)
                    .map_or(Settings::default().live_recheck, Duration::from_secs),
                metrics_token: variable("METRICS_TOKEN").map(|token| token.trim().to_string()),
                live_streams: StreamLimits {
                    per_session: number("LIVE_STREAMS_PER_SESSION")
                        .map_or(StreamLimits::default().per_session, |count| count as usize),
                    per_process: number("LIVE_STREAMS_PER_PROCESS")
                        .map_or(StreamLimits::default().per_process, |count| count as usize),
                },
                throttles: throttles()?,
            },
            demo_data: flag("DEMO_DATA").unwrap_or(false),
        })
    }
}

/// A whole number setting above zero, or its default.
fn count(name: &str, default: u32) -> Result<u32, String> {
    match variable(name) {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse()
            .ok()
            .filter(|value| *value > 0)
            .ok_or_else(|| format!("{name}={text}: expected a whole number above 0")),
    }
}

fn throttles() -> Result<ThrottleSettings, String> {
    let default = ThrottleSettings::default();
    let booking_minutes = count(
        "BOOKING_CHANGES_MINUTES",
        (default.booking_changes_per_firm.window.as_secs() / 60) as u32,
    )?;
    Ok(ThrottleSettings {
        registrations_per_address: Limit::per_minutes(
            count(
                "REGISTRATIONS_PER_HOUR",
                default.registrations_per_address.max,
            )?,
            60,
        ),
        booking_changes_per_firm: Limit::per_minutes(
            count(
                "BOOKING_CHANGES_PER_FIRM",
                default.booking_changes_per_firm.max,
            )?,
            booking_minutes.into(),
        ),
        booking_changes_per_address: Limit::per_minutes(
            count(
                "BOOKING_CHANGES_PER_ADDRESS",
                default.booking_changes_per_address.max,
            )?,
            booking_minutes.into(),
        ),
    })
}
