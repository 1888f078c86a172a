//! The firm's fleet: the list, one vehicle, and bulk import.

pub mod import;
pub mod list;
pub mod report;
pub mod vehicle;
