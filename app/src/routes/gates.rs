//! Gate admins: the gates they run, and each gate's capacity plan and closures.

pub mod devices;
pub mod list;
pub mod plan;
