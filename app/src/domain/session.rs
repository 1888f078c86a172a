//! Sign-in sessions: how long one may stay unused, what a sign-in still waits for, and
//! how a browser is named in the list of a person's sessions.

use super::role::Role;
use serde::{Deserialize, Serialize};

/// How long a session may stay unused before it ends, by who holds it (settings
/// `IDLE_MINUTES_FIRM`, `IDLE_MINUTES_STAFF`). Officers and admins work on shared
/// desks at the gate, so theirs end sooner than a driver's on their own phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleTimeout {
    pub firm_minutes: i64,
    pub staff_minutes: i64,
}

impl Default for IdleTimeout {
    fn default() -> Self {
        IdleTimeout {
            firm_minutes: 8 * 60,
            staff_minutes: 30,
        }
    }
}

impl IdleTimeout {
    /// A setting outside these bounds is not used (the database refuses it too).
    pub const MAX_MINUTES: i64 = 7 * 24 * 60;

    pub fn minutes_for(self, role: Role) -> i64 {
        let minutes = if role.belongs_to_firm() {
            self.firm_minutes
        } else {
            self.staff_minutes
        };
        minutes.clamp(1, Self::MAX_MINUTES)
    }
}

/// What a sign-in still waits for after the password was right. Until it is
/// [`SignInStage::Complete`] the session counts as not signed in everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInStage {
    Complete,
    /// The code of the account's authenticator (or a recovery code).
    SecondFactor,
    /// A role that must have a second factor has none yet: setting one up is all it
    /// may do.
    Enrolment,
}

impl SignInStage {
    /// How long a sign-in may wait half-way before it must start again.
    pub const PENDING_MINUTES: i64 = 30;

    pub fn after_password(role: Role, has_second_factor: bool) -> SignInStage {
        if has_second_factor {
            SignInStage::SecondFactor
        } else if role.requires_second_factor() {
            SignInStage::Enrolment
        } else {
            SignInStage::Complete
        }
    }

    /// The `sessions.awaiting` column.
    pub fn awaiting(self) -> Option<&'static str> {
        match self {
            SignInStage::Complete => None,
            SignInStage::SecondFactor => Some("second_factor"),
            SignInStage::Enrolment => Some("enrolment"),
        }
    }

    pub fn from_awaiting(awaiting: Option<&str>) -> Option<SignInStage> {
        match awaiting {
            None => Some(SignInStage::Complete),
            Some("second_factor") => Some(SignInStage::SecondFactor),
            Some("enrolment") => Some(SignInStage::Enrolment),
            Some(_) => None,
        }
    }

    /// Where the browser goes next.
    pub fn next_path(self, role: Role) -> &'static str {
        match self {
            SignInStage::Complete => role.home_path(),
            SignInStage::SecondFactor => "/login/code",
            SignInStage::Enrolment => "/account/second-factor",
        }
    }
}

/// A short name of the browser and system of a `User-Agent` ("Chrome · Android"), for
/// the list of sessions; the full header is never kept. `None` when nothing is known.
pub fn device_summary(user_agent: &str) -> Option<String> {
    let has = |needle: &str| user_agent.contains(needle);
    let browser = if has("coc_coc_browser") {
        Some("Cốc Cốc")
    } else if has("Zalo") {
        Some("Zalo")
    } else if has("SamsungBrowser") {
        Some("Samsung Internet")
    } else if has("Edg/") || has("EdgA/") || has("EdgiOS/") {
        Some("Edge")
    } else if has("OPR/") || has("Opera") {
        Some("Opera")
    } else if has("Firefox/") || has("FxiOS/") {
        Some("Firefox")
    } else if has("Chrome/") || has("CriOS/") || has("Chromium/") {
        Some("Chrome")
    } else if has("Safari/") && has("Version/") {
        Some("Safari")
    } else if user_agent.starts_with("curl/") {
        Some("curl")
    } else {
        None
    };
    let system = if has("Android") {
        Some("Android")
    } else if has("iPhone") {
        Some("iPhone")
    } else if has("iPad") {
        Some("iPad")
    } else if has("Windows") {
        Some("Windows")
    } else if has("CrOS") {
        Some("ChromeOS")
    } else if has("Mac OS X") || has("Macintosh") {
        Some("macOS")
    } else if has("Linux") {
        Some("Linux")
    } else {
        None
    };
    match (browser, system) {
        (Some(browser), Some(system)) => Some(format!("{browser} · {system}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_string()),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::role::Agency;

    #[test]
    fn staff_sessions_end_sooner_than_firm_sessions() {
        let idle = IdleTimeout::default();
        assert_eq!(idle.minutes_for(Role::Driver), 480);
        assert_eq!(idle.minutes_for(Role::FirmClerk), 480);
        assert_eq!(idle.minutes_for(Role::FirmAdmin), 480);
        assert_eq!(idle.minutes_for(Role::Officer(Agency::Customs)), 30);
        assert_eq!(idle.minutes_for(Role::GateAdmin), 30);
        assert_eq!(idle.minutes_for(Role::PlatformAdmin), 30);
        let odd = IdleTimeout {
            firm_minutes: 0,
            staff_minutes: 1_000_000,
        };
        assert_eq!(odd.minutes_for(Role::Driver), 1);
        assert_eq!(odd.minutes_for(Role::GateAdmin), IdleTimeout::MAX_MINUTES);
    }

    #[test]
    fn officers_and_admins_cannot_skip_the_second_factor() {
        for role in [
            Role::Officer(Agency::BorderGuard),
            Role::GateAdmin,
            Role::PlatformAdmin,
        ] {
            assert_eq!(
                SignInStage::after_password(role, false),
                SignInStage::Enrolment,
                "{role:?}"
            );
            assert_eq!(
                SignInStage::after_password(role, true),
                SignInStage::SecondFactor
            );
        }
        assert_eq!(
            SignInStage::after_password(Role::Driver, false),
            SignInStage::Complete
        );
        assert_eq!(
            SignInStage::after_password(Role::FirmAdmin, true),
            SignInStage::SecondFactor,
            "anyone who set one up is asked for it"
        );
    }

    #[test]
    fn stages_round_trip_through_their_column() {
        for stage in [
            SignInStage::Complete,
            SignInStage::SecondFactor,
            SignInStage::Enrolment,
        ] {
            assert_eq!(SignInStage::from_awaiting(stage.awaiting()), Some(stage));
        }
        assert_eq!(SignInStage::from_awaiting(Some("anything")), None);
        assert_eq!(
            SignInStage::SecondFactor.next_path(Role::GateAdmin),
            "/login/code"
        );
        assert_eq!(SignInStage::Complete.next_path(Role::GateAdmin), "/gates");
    }

    #[test]
    fn browsers_are_named_briefly() {
        let cases = [
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
                Some("Chrome · Android"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
                Some("Edge · Windows"),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
                Some("Safari · iPhone"),
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
                Some("Firefox · Linux"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/117.0 Chrome/111.0 Safari/537.36",
                Some("Cốc Cốc · Windows"),
            ),
            ("curl/8.5.0", Some("curl")),
            ("", None),
            ("something else", None),
        ];
        for (user_agent, summary) in cases {
            assert_eq!(
                device_summary(user_agent).as_deref(),
                summary,
                "{user_agent}"
            );
        }
    }
}
