//! The portal's HTTP server: the Axum router around the Leptos app, the middleware that
//! guards it, configuration, migrations and demo data.

pub mod config;
pub mod database;
pub mod demo;
pub mod device_api;
pub mod flash;
pub mod headers;
pub mod health;
pub mod input_limits;
pub mod jobs;
pub mod language;
pub mod live_routes;
pub mod metrics;
pub mod middleware;
pub mod router;

pub use router::router;

/// The migrations in `migrations/`, embedded at build time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Applies the migrations in `migrations/`.
pub async fn migrate(pool: &sqlx::PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}
