//! Officers at the gate (tablet and desktop): their posts, the console of a gate and
//! direction, and the gate's dashboard.

pub mod dashboard;
pub mod gate;
pub mod posts;
