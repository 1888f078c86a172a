//! Server-only helpers behind the server functions: state, sessions, passwords, the
//! throttles shared by every process, the security log and the SQL of each area.
//! Nothing here is compiled into the browser.

pub mod account_keys;
pub mod accounts;
pub mod attempts;
pub mod board;
pub mod bookings;
pub mod clearance;
pub mod console;
pub mod database;
pub mod devices;
pub mod firms;
pub mod flash;
pub mod fleet;
pub mod gates;
pub mod live;
pub mod metrics;
pub mod offline;
pub mod outage;
pub mod passes;
pub mod passwords;
pub mod people;
pub mod push;
pub mod request;
pub mod reset_codes;
pub mod second_factor;
pub mod security_events;
pub mod sessions;
pub mod state;
pub mod throttle;
pub mod trips;

pub use state::{AppState, Settings, state};
