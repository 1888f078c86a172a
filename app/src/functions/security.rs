//! The security log, for platform admins.

use crate::{error::AppError, models::security::SecurityLogPage};
use leptos::prelude::*;

/// One page of the security log, newest first: `kind` empty for every kind, `page` from
/// 1 (empty for the first). Anyone but a platform admin is refused (and recorded).
#[server(endpoint = "security_events")]
pub async fn security_events(kind: String, page: String) -> Result<SecurityLogPage, AppError> {
    use crate::{
        domain::{Problem, security::EventKind},
        server::{security_events, sessions},
    };
    // Signed out or not allowed says so first, whatever else was sent.
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    security_events::may_read(user.role)?;
    let kind = match kind.trim() {
        "" => None,
        code => Some(
            EventKind::from_code(code)
                .ok_or_else(|| AppError::refused("kind", Problem::UnknownChoice))?,
        ),
    };
    let page = match page.trim() {
        "" => 1,
        number => number
            .parse::<u32>()
            .ok()
            .filter(|page| (1..=10_000).contains(page))
            .ok_or_else(|| {
                AppError::refused(
                    "page",
                    Problem::OutOfRange {
                        min: 1,
                        max: 10_000,
                    },
                )
            })?,
    };
    security_events::page(&state, user.role, kind, page).await
}
