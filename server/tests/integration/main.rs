//! The HTTP integration tests: the real portal on a free port against a fresh PostgreSQL
//! database per test (`#[sqlx::test]`), driven over real HTTP.
//!
//! One test binary, not one per file: each binary links the whole portal, so one link
//! instead of six keeps a clean build minutes faster and gigabytes smaller.

// Each file uses its own part of the shared set-up.
#[allow(dead_code)]
mod support;

mod account_passwords;
mod account_sessions;
mod accounts;
mod backups;
mod bookings;
mod clearance;
mod edge;
mod faults;
mod fleet;
mod isolation;
mod live;
mod operators;
mod push;
mod second_factor;
mod security_events;
mod throttles;
