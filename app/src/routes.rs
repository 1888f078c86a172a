//! One module per page, grouped by area; the router is in `app.rs`.

pub mod account;
pub mod admin;
pub mod board;
pub mod console;
pub mod fleet;
pub mod gates;
pub mod home;
pub mod login;
pub mod not_found;
pub mod people;
pub mod register;
pub mod reset;
pub mod staff;
pub mod trips;
