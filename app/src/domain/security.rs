//! The security log: what is recorded about attacks and refusals, and how repeats are
//! folded together so that an attacker cannot flood it.

use chrono::{DateTime, DurationRound, Utc};
use serde::{Deserialize, Serialize};

/// What happened. Each kind has its words in every language (`security.kind_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventKind {
    /// A wrong password, or a sign-in name no account has (detail says which).
    SignInFailed,
    /// A throttle refused a request (detail: which counter was full).
    Throttled,
    /// A gate pass whose signature does not hold.
    ForgedPass,
    /// A pass with a good signature or a typed code that no live booking here has
    /// (detail: unknown, other gate, outside its window).
    RefusedPass,
    /// A device API call with a missing, unknown or revoked key.
    DeviceKeyRefused,
    /// A state-changing request another site's page sent.
    CrossSite,
    /// An authorization refusal (403) of a signed-in or anonymous request.
    Forbidden,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::SignInFailed,
        EventKind::Throttled,
        EventKind::ForgedPass,
        EventKind::RefusedPass,
        EventKind::DeviceKeyRefused,
        EventKind::CrossSite,
        EventKind::Forbidden,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EventKind::SignInFailed => "sign_in_failed",
            EventKind::Throttled => "throttled",
            EventKind::ForgedPass => "forged_pass",
            EventKind::RefusedPass => "refused_pass",
            EventKind::DeviceKeyRefused => "device_key_refused",
            EventKind::CrossSite => "cross_site",
            EventKind::Forbidden => "forbidden",
        }
    }

    pub fn from_code(code: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

/// Repeats of one kind, client, account and detail within this minute share one row.
pub fn minute_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(chrono::Duration::minutes(1))
        .unwrap_or(at)
}

/// At most this many rows of one kind a minute from one server process; beyond, the
/// events of that kind fold into one row without client, account or detail (a flood
/// from many addresses, or of many paths, then costs one row a minute, not one each).
pub const ROWS_PER_KIND_A_MINUTE: usize = 200;

/// The longest detail kept.
pub const MAX_DETAIL: usize = 120;

/// A detail as stored: no control characters, no query string (it may carry personal
/// data), at most [`MAX_DETAIL`] characters.
pub fn clean_detail(detail: &str) -> String {
    let without_query = detail.split(['?', '#']).next().unwrap_or_default();
    without_query
        .chars()
        .filter(|character| !character.is_control())
        .take(MAX_DETAIL)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_code() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(EventKind::from_code("nothing"), None);
    }

    #[test]
    fn repeats_fold_into_their_minute() {
        let at: DateTime<Utc> = "2026-12-01T08:17:42.5Z".parse().unwrap();
        assert_eq!(
            minute_of(at),
            "2026-12-01T08:17:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn a_detail_keeps_no_query_no_control_characters_and_no_excess() {
        assert_eq!(
            clean_detail("POST /api/add_person?id_number=0201\t90001234"),
            "POST /api/add_person"
        );
        assert_eq!(clean_detail("GET /a\r\nb"), "GET /ab");
        assert_eq!(clean_detail(&"x".repeat(500)).len(), MAX_DETAIL);
    }
}
