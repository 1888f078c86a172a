//! Pages of the platform's own administration.

pub mod security;
