//! Pieces shared by the pages.

pub mod auth;
pub mod field;
pub mod language;
pub mod layout;
pub mod live;
pub mod notice;
pub mod page_title;
pub mod reset_code;
pub mod translate;
