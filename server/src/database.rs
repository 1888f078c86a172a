//! The shared connection pool and how it behaves when the database goes away.
//!
//! - Taking a connection waits at most `DATABASE_ACQUIRE_TIMEOUT_SECONDS` (default 3):
//!   during an outage each request then answers 503 with `Retry-After` after that long
//!   at most, instead of queueing for sqlx's default 30 s.
//! - A connection is pinged before use only when it may be dead: idle for over 30 s, or
//!   idle since a connection fault was last seen anywhere in the process
//!   (`app::server::outage`; the live channel's listening connection hears a database
//!   restart at once). Pinging every connection at every request would cost a round trip
//!   each; pinging none would hand out the connections a restart killed.
//! - The pool opens connections lazily, so the portal starts, and its liveness check
//!   answers, while the database is still down; [`connect`] waits for it.

use app::server::outage;
use sqlx::{
    PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};
use std::time::Duration;

/// How the portal's pool is set up: `size` connections at most, `acquire_timeout` to
/// wait for one.
pub fn pool_options(size: u32, acquire_timeout: Duration) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(size)
        .acquire_timeout(acquire_timeout)
        // sqlx pings every connection it hands out, one more round trip for every
        // request; ping only those that may have gone stale.
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                if meta.idle_for > Duration::from_secs(30)
                    || outage::idle_since_suspicion(meta.idle_for)
                {
                    if let Err(error) = sqlx::Connection::ping(connection).await {
                        // Dropped: the pool opens another for this request.
                        outage::suspect();
                        return Err(error);
                    }
                }
                Ok(true)
            })
        })
}

/// The pool, once the database answers: a portal started during an outage waits for it
/// (logging every few seconds) instead of exiting. Errors other than an outage (a wrong
/// password, no such database) end the wait at once.
pub async fn connect(
    options: PgPoolOptions,
    connect_options: PgConnectOptions,
) -> Result<PgPool, sqlx::Error> {
    let pool = options.connect_lazy_with(connect_options);
    let mut wait = Duration::from_millis(250);
    loop {
        match pool.acquire().await {
            Ok(_) => return Ok(pool),
            Err(error) if outage::is_outage(&error) => {
                tracing::warn!(%error, "waiting for the database");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
            Err(error) => return Err(error),
        }
    }
}
