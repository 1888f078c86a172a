//! The portal's HTTP server: the Axum router around the Leptos app, the middleware that
//! guards it, configuration, migrations and demo data.

pub mod config;
pub mod database;
pub mod demo;
pub mod device_api;
pub mod flash;
pub mod headers;
pub mod input_limits;
pub mod jobs;
pub mod language;
pub mod live_routes;
pub mod middleware;
pub mod router;

pub use router::router;

/// Applies the migrations in `migrations/` (embedded at build time).
pub async fn migrate(pool: &sqlx::PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("../migrations").run(pool).await
}
