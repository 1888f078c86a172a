//! What a load balancer asks: `/healthz` (liveness: the process answers, nothing else is
//! asked) and `/readyz` (readiness: the database answers within a short time and every
//! migration this build knows is applied). Kept apart so that a process that cannot
//! reach its database is taken out of rotation (503 from `/readyz`) but not restarted
//! for it (its `/healthz` still answers): it serves again by itself when the database
//! is back.

use crate::MIGRATOR;
use app::server::{AppState, outage};
use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use std::{collections::HashSet, time::Duration};

/// How long `/readyz` waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn live() -> &'static str {
    "ok"
}

pub async fn ready(State(state): State<AppState>) -> Response {
    let not_ready = |reason: String| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(
                header::RETRY_AFTER,
                HeaderValue::from(outage::RETRY_AFTER_SECONDS),
            )],
            reason,
        )
            .into_response()
    };
    match tokio::time::timeout(READY_TIMEOUT, migrations_not_applied(&state)).await {
        Ok(Ok(0)) => "ready".into_response(),
        Ok(Ok(missing)) => not_ready(format!("{missing} migrations not applied")),
        Ok(Err(error)) => {
            outage::note(&error);
            tracing::warn!(%error, "not ready: the database did not answer");
            not_ready("database unavailable".into())
        }
        Err(_) => not_ready("database did not answer in time".into()),
    }
}

/// How many migrations of this build the database has not applied.
async fn migrations_not_applied(state: &AppState) -> Result<usize, sqlx::Error> {
    let applied: HashSet<i64> =
        sqlx::query_scalar("select version from _sqlx_migrations where success")
            .fetch_all(&state.pool)
            .await?
            .into_iter()
            .collect();
    Ok(MIGRATOR
        .iter()
        .filter(|migration| !migration.migration_type.is_down_migration())
        .filter(|migration| !applied.contains(&migration.version))
        .count())
}
