//! What the portal knows about the database being unreachable: which errors mean "the
//! connection or the server is gone" (not "this statement was wrong"), and when one was
//! last seen.
//!
//! A database restart, a failover or a dropped network ends every connection at once,
//! pooled or not. PostgreSQL says so on each (`57P01 terminating connection due to
//! administrator command`) or the socket just closes; either way the connection is dead,
//! and a request that meets one should get 503 with `Retry-After` (and its connection be
//! replaced), never a 500. The moment of the last such error is kept process-wide, so
//! that the pool pings every connection that sat idle since then before handing it out
//! (see `server::database_pool` in the server crate): one dead connection found means
//! the others of that moment are suspect too. The live channel's listening connection,
//! always reading, is usually the first to hear of it.

use std::{
    sync::{
        OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// How long a client should wait before trying again during an outage: about what a
/// database restart takes.
pub const RETRY_AFTER_SECONDS: u64 = 5;

/// Whether an error says the database cannot be reached now (a dead or refused
/// connection, a server shutting down or starting, no connection free in time), as
/// opposed to a statement PostgreSQL refused. SQLSTATE classes 08 (connection
/// exception), 57 (operator intervention: shutdown, crash, cannot connect now) and 53
/// (insufficient resources: too many connections, out of memory or disk).
pub fn is_outage(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(database) => database
            .code()
            .is_some_and(|code| is_outage_code(code.as_ref())),
        _ => false,
    }
}

/// Whether an error leaves its connection unusable: every outage, and a protocol error
/// (the conversation with the server is out of step, nothing later on it can be trusted).
pub fn is_fatal_to_connection(error: &sqlx::Error) -> bool {
    is_outage(error) || matches!(error, sqlx::Error::Protocol(_))
}

/// SQLSTATE classes 08, 57 and 53, except `57014` (a statement cancelled, by its own
/// timeout or by request: the connection lives on, and the statement may be retried or
/// not by its caller as any refusal).
fn is_outage_code(code: &str) -> bool {
    (code.starts_with("08") || code.starts_with("57") || code.starts_with("53")) && code != "57014"
}

/// A copy of an error to hand to each of several waiting callers (sqlx errors are not
/// `Clone`): an outage stays an outage, anything else becomes a protocol error with the
/// same text.
pub fn shared(error: &sqlx::Error) -> sqlx::Error {
    if is_outage(error) {
        sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            error.to_string(),
        ))
    } else {
        sqlx::Error::Protocol(error.to_string())
    }
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Milliseconds after `epoch()` of the last suspected outage, plus one (0: none yet).
static LAST_SUSPECTED: AtomicU64 = AtomicU64::new(0);

/// Notes that a connection was just found dead (or could not be opened).
pub fn suspect() {
    super::metrics::increment("bgp_database_connection_faults_total", &[]);
    let now = epoch().elapsed().as_millis() as u64 + 1;
    LAST_SUSPECTED.fetch_max(now, Ordering::Relaxed);
}

/// Notes `error` if it is an outage; returns whether it was.
pub fn note(error: &sqlx::Error) -> bool {
    let outage = is_outage(error);
    if outage {
        suspect();
    }
    outage
}

/// Whether a connection idle for `idle_for` went idle before (or about when) the last
/// suspected outage, and so may be dead without knowing it.
pub fn idle_since_suspicion(idle_for: Duration) -> bool {
    let last = LAST_SUSPECTED.load(Ordering::Relaxed);
    if last == 0 {
        return false;
    }
    let now = epoch().elapsed();
    let idle_since = now.saturating_sub(idle_for);
    // A little slack: the error was noted a moment after the connection died.
    idle_since <= Duration::from_millis(last) + Duration::from_millis(50)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_classes_are_outages_and_statement_errors_are_not() {
        for code in [
            "57P01", "57P02", "57P03", "08006", "08001", "53300", "53100",
        ] {
            assert!(is_outage_code(code), "{code}");
        }
        for code in ["57014", "23505", "40P01", "BG001", "42P01", "22001"] {
            assert!(!is_outage_code(code), "{code}");
        }
        assert!(is_outage(&sqlx::Error::PoolTimedOut));
        assert!(is_outage(&sqlx::Error::Io(std::io::Error::from(
            std::io::ErrorKind::UnexpectedEof
        ))));
        assert!(!is_outage(&sqlx::Error::RowNotFound));
        assert!(!is_outage(&sqlx::Error::Protocol("out of step".into())));
        assert!(is_fatal_to_connection(&sqlx::Error::Protocol(
            "out of step".into()
        )));
        assert!(is_outage(&shared(&sqlx::Error::PoolClosed)));
        assert!(!is_outage(&shared(&sqlx::Error::RowNotFound)));
    }

    #[test]
    fn connections_idle_since_a_suspected_outage_are_suspect() {
        suspect();
        assert!(idle_since_suspicion(Duration::from_secs(3600)));
        std::thread::sleep(Duration::from_millis(120));
        assert!(
            !idle_since_suspicion(Duration::from_millis(0)),
            "a connection used after the outage"
        );
    }
}
