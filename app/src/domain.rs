//! The rules of the border gate as plain Rust: no database, no browser, no I/O.
//!
//! Raw user input is parsed once at the edge into the types below ("parse, don't
//! validate"); everything deeper handles only values that are known to be well formed.
//! Each parse failure is a [`Problem`], the translated, field-level reason a user sees.

pub mod booking;
pub mod cargo;
pub mod clock;
pub mod codes;
pub mod contact;
pub mod container;
pub mod firm;
pub mod fleet_csv;
pub mod form;
pub mod gate_plan;
pub mod lifecycle;
pub mod password;
pub mod person;
pub mod plate;
pub mod problem;
pub mod push;
pub mod role;
pub mod security;
pub mod session;
pub mod tax_code;
pub mod text;
pub mod throttle;
pub mod trip;
pub mod vehicle;

pub use problem::Problem;
