//! Web push: what a user can choose to be told, how long each message may wait at the
//! push service and how urgent it is, and what a browser's subscription must look like.

use super::Problem;
use serde::{Deserialize, Serialize};

/// The kinds of news a user can turn on or off per device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Booking confirmed, moved, cancelled, or to be moved after a capacity cut.
    Booking,
    /// Two hours before the slot.
    Reminder,
    CalledForward,
    /// Sent to inspection, or held (with the reason).
    Inspection,
    /// Cleared (or rejected).
    Cleared,
    Exited,
    /// No arrival 30 minutes after the window opened, and the no-show itself.
    Late,
}

/// How urgent a message is for the push service (RFC 8030 section 5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Normal,
    High,
}

impl Topic {
    pub const ALL: [Topic; 7] = [
        Topic::Booking,
        Topic::Reminder,
        Topic::CalledForward,
        Topic::Inspection,
        Topic::Cleared,
        Topic::Exited,
        Topic::Late,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Topic::Booking => "booking",
            Topic::Reminder => "reminder",
            Topic::CalledForward => "called_forward",
            Topic::Inspection => "inspection",
            Topic::Cleared => "cleared",
            Topic::Exited => "exited",
            Topic::Late => "late",
        }
    }

    pub fn from_code(code: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|topic| topic.code() == code)
    }

    /// How long the push service keeps the message for a phone that is offline: news
    /// that is stale after a while (go to lane 3) is dropped rather than shown late.
    pub fn ttl_seconds(self) -> u32 {
        match self {
            Topic::Booking => 24 * 3600,
            Topic::Reminder => 2 * 3600,
            Topic::CalledForward => 15 * 60,
            Topic::Inspection | Topic::Cleared => 3600,
            Topic::Exited => 6 * 3600,
            Topic::Late => 30 * 60,
        }
    }

    /// What the driver must act on at the gate wakes the phone at once.
    pub fn urgency(self) -> Urgency {
        match self {
            Topic::Booking | Topic::Exited => Urgency::Normal,
            _ => Urgency::High,
        }
    }
}

/// The next try after `attempts` failed deliveries: 2, 4, 8... seconds, at most ten
/// minutes; after `MAX_ATTEMPTS` the message is given up.
pub fn retry_after_seconds(attempts: i32) -> i64 {
    2i64.saturating_pow(attempts.clamp(1, 30) as u32).min(600)
}

pub const MAX_ATTEMPTS: i32 = 10;

/// One of a user's devices with notifications on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushDevice {
    pub id: uuid::Uuid,
    pub device: String,
    pub topics: Vec<Topic>,
    pub created_at: i64,
}

/// A browser's push subscription (`PushSubscription.toJSON()`), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

impl Subscription {
    /// The endpoint must be HTTPS (plain HTTP only on this machine, for the tests' own
    /// push service); the keys base64url, a P-256 point of 65 bytes and a 16-byte secret.
    pub fn parse(
        endpoint: &str,
        p256dh: &str,
        auth: &str,
    ) -> Result<Subscription, (&'static str, Problem)> {
        let endpoint = endpoint.trim();
        let local = ["http://127.0.0.1:", "http://localhost:"]
            .iter()
            .any(|prefix| endpoint.starts_with(prefix));
        if endpoint.is_empty() {
            return Err(("endpoint", Problem::Required));
        }
        if endpoint.len() > 1000
            || !(endpoint.starts_with("https://") || local)
            || endpoint.contains(char::is_whitespace)
        {
            return Err(("endpoint", Problem::PushSubscriptionInvalid));
        }
        let key = |value: &str, bytes: usize| decoded_len(value.trim()) == Some(bytes);
        if !key(p256dh, 65) {
            return Err(("p256dh", Problem::PushSubscriptionInvalid));
        }
        if !key(auth, 16) {
            return Err(("auth", Problem::PushSubscriptionInvalid));
        }
        Ok(Subscription {
            endpoint: endpoint.to_string(),
            p256dh: p256dh.trim().trim_end_matches('=').to_string(),
            auth: auth.trim().trim_end_matches('=').to_string(),
        })
    }
}

/// The length of base64url (no padding needed) text once decoded, if it is base64url.
fn decoded_len(text: &str) -> Option<usize> {
    let text = text.trim_end_matches('=');
    if text.is_empty()
        || !text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
    {
        return None;
    }
    match text.len() % 4 {
        1 => None,
        rest => Some(text.len() / 4 * 3 + rest.saturating_sub(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P256DH: &str =
        "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM";
    const AUTH: &str = "tBHItJI5svbpez7KI4CCXg";

    #[test]
    fn every_topic_has_a_code_a_ttl_and_an_urgency() {
        for topic in Topic::ALL {
            assert_eq!(Topic::from_code(topic.code()), Some(topic));
            assert!(topic.ttl_seconds() >= 15 * 60);
        }
        assert_eq!(Topic::CalledForward.urgency(), Urgency::High);
        assert_eq!(Topic::Booking.urgency(), Urgency::Normal);
        assert!(Topic::CalledForward.ttl_seconds() < Topic::Booking.ttl_seconds());
        assert_eq!(Topic::from_code("cargo"), None);
    }

    #[test]
    fn retries_back_off_and_stop_growing() {
        assert_eq!(retry_after_seconds(1), 2);
        assert_eq!(retry_after_seconds(3), 8);
        assert_eq!(retry_after_seconds(20), 600);
    }

    #[test]
    fn a_browser_subscription_is_checked() {
        let good =
            Subscription::parse("https://fcm.googleapis.com/fcm/send/abc", P256DH, AUTH).unwrap();
        assert_eq!(good.auth, AUTH);
        assert!(Subscription::parse("http://127.0.0.1:4000/push/1", P256DH, AUTH).is_ok());
        assert_eq!(
            Subscription::parse("", P256DH, AUTH).unwrap_err().0,
            "endpoint"
        );
        assert_eq!(
            Subscription::parse("http://push.example/1", P256DH, AUTH)
                .unwrap_err()
                .0,
            "endpoint"
        );
        assert_eq!(
            Subscription::parse("https://push.example/1", "abc", AUTH)
                .unwrap_err()
                .0,
            "p256dh"
        );
        assert_eq!(
            Subscription::parse("https://push.example/1", P256DH, "not base64!")
                .unwrap_err()
                .0,
            "auth"
        );
        assert_eq!(
            Subscription::parse("https://push.example/1", P256DH, &AUTH[..10])
                .unwrap_err()
                .0,
            "auth"
        );
    }
}
